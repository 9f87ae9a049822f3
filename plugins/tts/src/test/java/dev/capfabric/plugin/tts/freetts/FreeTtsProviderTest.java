package dev.capfabric.plugin.tts.freetts;

import dev.capfabric.plugin.tts.SpokenAudio;
import dev.capfabric.plugin.tts.TestContext;
import dev.capfabric.plugin.tts.TestJobs;
import dev.capfabric.plugin.tts.speech.OutputFormat;
import dev.capfabric.plugin.tts.speech.SpeechRules;
import dev.capfabric.plugin.tts.speech.Voice;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.ProviderDescription;
import dev.capfabric.spi.Result;
import dev.capfabric.spi.support.EnginePool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FreeTtsProviderTest {

    private static final String SENTENCE = "The quick brown fox jumps over the lazy dog.";

    private static CapabilityProvider provider;

    @BeforeAll
    static void create() {
        Creation creation = new FreeTtsFactory().create(TestContext.of(Map.of("instances", "2")));
        provider = assertInstanceOf(Creation.Ready.class, creation, creation.toString()).provider();
    }

    @AfterAll
    static void close() {
        provider.close();
    }

    @Test
    void speaksASentenceAsSixteenBitWavWithTheVoicesRealRate() throws Exception {
        Result result = provider.handle(TestJobs.text(SENTENCE));

        SpokenAudio audio = SpokenAudio.of(result).assertSpeech(1.5);
        assertEquals(16_000f, audio.sampleRate(), "kevin16 speaks at 16 kHz");
        assertEquals(1, audio.channels());
        assertEquals("freetts", result.metadata().get("provider"));
        assertEquals("kevin16", result.metadata().get("voice"));
        assertEquals(16_000, result.metadata().get("sample_rate"));
        assertEquals(audio.seconds(), (double) result.metadata().get("duration_s"), 0.001);
    }

    @Test
    void eightKilohertzVoiceSaysSoInTheHeader() throws Exception {
        Result result = provider.handle(TestJobs.job(Map.of("text", SENTENCE, "voice", "KEVIN")));

        SpokenAudio audio = SpokenAudio.of(result).assertSpeech(1.5);
        assertEquals(8_000f, audio.sampleRate());
        assertEquals("kevin", result.metadata().get("voice"));
    }

    private static final List<String> SENTENCES = List.of(
            "The quick brown fox jumps over the lazy dog.",
            "A journey of a thousand miles begins with a single step, and then many more steps follow it.",
            "Every cloud has a silver lining, said the old sailor to the young man on the quiet harbour wall.",
            "Tomorrow we will walk along the river and count the boats that pass by the old stone bridge.");

    private static Job followed(String text, dev.capfabric.plugin.tts.Follower follower) {
        return new Job(java.util.UUID.randomUUID().toString(), Capability.TTS, Map.of("text", text), Payload.empty(),
                Instant.now().plus(Duration.ofSeconds(60)), follower);
    }

    @Test
    void aFollowedJobHearsEachSentenceAsItIsSpokenAndTheResultIsTheWhole() throws Exception {
        var follower = dev.capfabric.plugin.tts.Follower.following();
        long start = System.nanoTime();
        Result result = provider.handle(followed(String.join(" ", SENTENCES), follower));
        long done = System.nanoTime();

        var pieces = follower.pieces();
        assertEquals(SENTENCES.size(), pieces.size());
        double sum = 0;
        for (int i = 0; i < pieces.size(); i++) {
            Result piece = pieces.get(i).result();
            assertEquals(i, piece.metadata().get("index"));
            assertEquals(SENTENCES.get(i), piece.metadata().get("text"));
            assertEquals("freetts", piece.metadata().get("provider"));
            sum += SpokenAudio.of(piece).assertSpeech(1.0).seconds();
        }
        assertEquals(sum, SpokenAudio.of(result).assertSpeech(4.0).seconds(), 0.01, "the result is the sentences end to end");
        double firstShare = (pieces.getFirst().atNanos() - start) / (double) (done - start);
        assertTrue(firstShare < 0.5, "the first sentence came at " + firstShare + " of the whole synthesis");
        assertEquals(List.of(0.25, 0.5, 0.75, 1.0), follower.progress());
    }

    @Test
    void withoutAFollowerOrWithOneSentenceThereAreNoPieces() throws Exception {
        var notFollowing = dev.capfabric.plugin.tts.Follower.notFollowing();
        SpokenAudio.of(provider.handle(followed(String.join(" ", SENTENCES), notFollowing))).assertSpeech(4.0);
        assertEquals(List.of(), notFollowing.pieces());
        var oneSentence = dev.capfabric.plugin.tts.Follower.following();
        SpokenAudio.of(provider.handle(followed(SENTENCES.getFirst(), oneSentence))).assertSpeech(1.0);
        assertEquals(List.of(), oneSentence.pieces(), "a single sentence is the whole: no piece ahead of it");
    }

    @Test
    void aCallerLeavingAfterTheFirstSentenceStopsTheRest() {
        var leaving = dev.capfabric.plugin.tts.Follower.leavingAfter(1);
        CapabilityException e = assertThrows(CapabilityException.class, () -> provider.handle(followed(String.join(" ", SENTENCES), leaving)));
        assertEquals(CapabilityException.Kind.TIMEOUT, e.kind());
        assertEquals(1, leaving.pieces().size());
    }

    @Test
    void describesTheVoicesFoundInTheJar() {
        ProviderDescription description = provider.describe();

        assertEquals(List.of("kevin", "kevin16"), description.voices().stream().sorted().toList());
        assertEquals(List.of("en-US"), description.languages());
        assertEquals(List.of("audio/wav"), description.produces());
        assertEquals(2, description.concurrency());
        assertEquals(2, description.artifacts().size());
        assertTrue(description.artifacts().stream().allMatch(a -> a.path().startsWith("jar:") && a.bytes() > 1_000_000),
                description.artifacts().toString());
    }

    @Test
    void fasterSpeedGivesShorterSpeech() throws Exception {
        double slow = SpokenAudio.of(provider.handle(TestJobs.job(Map.of("text", SENTENCE, "speed", "0.5")))).seconds();
        double fast = SpokenAudio.of(provider.handle(TestJobs.job(Map.of("text", SENTENCE, "speed", "2")))).seconds();

        assertTrue(slow > 2.5 * fast, "speed 0.5 gave " + slow + " s, speed 2 gave " + fast + " s");
    }

    @Test
    void concurrentJobsGetExactlyTheAudioTheyWouldGetAlone() throws Exception {
        List<String> texts = List.of(SENTENCE, "Seven silver ships sailed south at dawn.", "Please call me back at noon.");
        List<byte[]> alone = new ArrayList<>();
        for (String text : texts) {
            alone.add(provider.handle(TestJobs.text(text)).output().orElseThrow().bytes());
        }

        try (ExecutorService workers = Executors.newFixedThreadPool(2)) {
            List<Future<byte[]>> together = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (String text : texts) {
                    together.add(workers.submit(() -> provider.handle(TestJobs.text(text)).output().orElseThrow().bytes()));
                }
            }
            for (int i = 0; i < together.size(); i++) {
                assertArrayEquals(alone.get(i % texts.size()), together.get(i).get(), "job " + i);
            }
        }
    }

    @Test
    void loadsNoVoiceSetUntilAJobNeedsOne() throws Exception {
        Creation creation = new FreeTtsFactory().create(TestContext.of(Map.of("instances", "2")));
        try (CapabilityProvider lazy = assertInstanceOf(Creation.Ready.class, creation).provider()) {
            assertEquals(List.of("kevin", "kevin16"), lazy.describe().voices().stream().sorted().toList());
            assertTrue(lazy.health().detail().startsWith("0 of 2 voice sets loaded"), lazy.health().detail());

            SpokenAudio.of(lazy.handle(TestJobs.text(SENTENCE))).assertSpeech(1.5);

            assertTrue(lazy.health().detail().startsWith("1 of 2 voice sets loaded"), lazy.health().detail());
            try (ExecutorService workers = Executors.newFixedThreadPool(4)) {
                List<Future<Result>> jobs = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    jobs.add(workers.submit(() -> lazy.handle(TestJobs.text(SENTENCE))));
                }
                for (Future<Result> job : jobs) {
                    SpokenAudio.of(job.get()).assertSpeech(1.5);
                }
            }
            assertTrue(lazy.health().detail().matches("[12] of 2 voice sets loaded.*"), lazy.health().detail());
        }
    }

    @Test
    void voicesThatFailToLoadOnTheFirstJobAnswerUnavailableAndReportTheProviderDown() throws Exception {
        // FreeTTS's voices are inside its jar; a load failure is what FreeTtsVoiceSet.load reports for a broken one
        EnginePool<FreeTtsVoiceSet> failing = new EnginePool<>("freetts", EnginePool.Holding.of(1, Duration.ZERO), () -> {
            throw new IllegalStateException("FreeTTS cannot load voice kevin16: java.io.EOFException");
        });
        SpeechRules rules = new SpeechRules("freetts", 5000, List.of(Voice.of("kevin16", "en-US")),
                Optional.of("kevin16"), 0.5, 2.0, Set.of(OutputFormat.WAV));
        try (CapabilityProvider broken = new FreeTtsProvider(rules, failing, 1 << 20, List.of())) {
            assertTrue(broken.health().usable());

            CapabilityException e = assertThrows(CapabilityException.class, () -> broken.handle(TestJobs.text(SENTENCE)));

            assertEquals(CapabilityException.Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().contains("cannot load voice kevin16"), e.getMessage());
            assertFalse(broken.health().usable());
            assertEquals(e.getMessage(), broken.health().detail());
        }
    }

    @Test
    void abandonedJobStopsWithTimeout() {
        Job abandoned = new Job("j", Capability.TTS, Map.of("text", SENTENCE), Payload.empty(),
                Instant.now().plus(Duration.ofMinutes(1)), () -> true);

        CapabilityException e = assertThrows(CapabilityException.class, () -> provider.handle(abandoned));
        assertEquals(CapabilityException.Kind.TIMEOUT, e.kind());
    }

    @Test
    void refusesFormatsItCannotProduce() {
        CapabilityException e = assertThrows(CapabilityException.class,
                () -> provider.handle(TestJobs.job(Map.of("text", SENTENCE, "format", "mp3"))));

        assertEquals(CapabilityException.Kind.UNPROCESSABLE, e.kind());
        assertTrue(e.getMessage().contains("produces: wav"), e.getMessage());
    }

    @Test
    void refusesAVoiceItDoesNotHave() {
        CapabilityException e = assertThrows(CapabilityException.class,
                () -> provider.handle(TestJobs.job(Map.of("text", SENTENCE, "voice", "alan"))));

        assertEquals(CapabilityException.Kind.UNPROCESSABLE, e.kind());
        assertTrue(e.getMessage().contains("kevin16"), e.getMessage());
    }

    @Test
    void audioBeyondTheConfiguredBoundIsRefused() {
        Creation creation = new FreeTtsFactory().create(TestContext.of(Map.of("instances", "1", "max-audio-bytes", "10000")));
        CapabilityProvider small = assertInstanceOf(Creation.Ready.class, creation).provider();
        try {
            CapabilityException e = assertThrows(CapabilityException.class, () -> small.handle(TestJobs.text(SENTENCE)));
            assertEquals(CapabilityException.Kind.TOO_LARGE, e.kind());
        } finally {
            small.close();
        }
    }

    @Test
    void invalidSettingsMakeItUnusableWithTheReason() {
        Creation creation = new FreeTtsFactory().create(TestContext.of(Map.of("instances", "many")));

        String reason = assertInstanceOf(Creation.Unusable.class, creation).reason();
        assertTrue(reason.contains("instances"), reason);
        Creation unknownVoice = new FreeTtsFactory().create(TestContext.of(Map.of("instances", "1", "voice", "alan")));
        assertTrue(assertInstanceOf(Creation.Unusable.class, unknownVoice).reason().contains("alan"));
    }
}
