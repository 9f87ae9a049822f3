package dev.capfabric.plugin.tts.engine;

import dev.capfabric.plugin.tts.Follower;
import dev.capfabric.plugin.tts.SpokenAudio;
import dev.capfabric.plugin.tts.TestContext;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.ProviderFactory;
import dev.capfabric.spi.Result;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command-line engines (real flite and espeak-ng) speak a followed job sentence by sentence: each
 * sentence's audio is handed over as soon as it is spoken, the first long before the whole text is done,
 * and the final result is the whole speech.
 */
class SentenceStreamingTest {

    private static final List<String> SENTENCES = List.of(
            "The quick brown fox jumps over the lazy dog.",
            "A journey of a thousand miles begins with a single step, and then many more steps follow it.",
            "Every cloud has a silver lining, said the old sailor to the young man on the quiet harbour wall.",
            "Tomorrow we will walk along the river and count the boats that pass by the old stone bridge.");

    private static CapabilityProvider provider(String engine) {
        ProviderFactory factory = engine.equals("flite") ? new FliteFactory() : new EspeakNgFactory();
        Creation creation = factory.create(TestContext.of(Map.of()));
        return assertInstanceOf(Creation.Ready.class, creation, creation.toString()).provider();
    }

    private static Job job(String text, Follower follower) {
        return new Job(UUID.randomUUID().toString(), Capability.TTS, Map.of("text", text), Payload.empty(),
                Instant.now().plus(Duration.ofSeconds(60)), follower);
    }

    @ParameterizedTest
    @ValueSource(strings = {"flite", "espeak-ng"})
    void eachSentenceArrivesAsItIsSpokenAndTheResultIsTheWhole(String engine) throws Exception {
        try (CapabilityProvider provider = provider(engine)) {
            Follower follower = Follower.following();
            long start = System.nanoTime();
            Result result = provider.handle(job(String.join(" ", SENTENCES), follower));
            long done = System.nanoTime();

            List<Follower.Piece> pieces = follower.pieces();
            assertEquals(SENTENCES.size(), pieces.size());
            double sum = 0;
            for (int i = 0; i < pieces.size(); i++) {
                Result piece = pieces.get(i).result();
                assertEquals(i, piece.metadata().get("index"));
                assertEquals(SENTENCES.get(i), piece.metadata().get("text"));
                sum += SpokenAudio.of(piece).assertSpeech(1.0).seconds();
            }
            assertEquals(sum, SpokenAudio.of(result).assertSpeech(4.0).seconds(), 0.01, "the result is the sentences end to end");
            double firstShare = (pieces.getFirst().atNanos() - start) / (double) (done - start);
            assertTrue(firstShare < 0.5, "the first sentence came at " + firstShare + " of the whole synthesis");
            assertEquals(List.of(0.25, 0.5, 0.75, 1.0), follower.progress());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"flite", "espeak-ng"})
    void nobodyFollowingMeansOneRunAndNoPieces(String engine) throws Exception {
        try (CapabilityProvider provider = provider(engine)) {
            Follower notFollowing = Follower.notFollowing();
            SpokenAudio.of(provider.handle(job(String.join(" ", SENTENCES), notFollowing))).assertSpeech(4.0);
            assertEquals(List.of(), notFollowing.pieces());

            Follower oneSentence = Follower.following();
            SpokenAudio.of(provider.handle(job(SENTENCES.getFirst(), oneSentence))).assertSpeech(1.0);
            assertEquals(List.of(), oneSentence.pieces(), "a single sentence is the whole: no piece ahead of it");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"flite", "espeak-ng"})
    void aCallerLeavingAfterTheFirstSentenceStopsTheRest(String engine) {
        try (CapabilityProvider provider = provider(engine)) {
            Follower leaving = Follower.leavingAfter(1);
            CapabilityException e = assertThrows(CapabilityException.class,
                    () -> provider.handle(job(String.join(" ", SENTENCES), leaving)));
            assertEquals(CapabilityException.Kind.TIMEOUT, e.kind());
            assertEquals(1, leaving.pieces().size());
        }
    }
}
