package dev.capfabric.plugin.stt.sphinx4;

import dev.capfabric.plugin.stt.SpeechSamples;
import dev.capfabric.plugin.stt.TestContext;
import dev.capfabric.plugin.stt.TestJobs;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.ProviderDescription;
import dev.capfabric.spi.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.capfabric.plugin.stt.Outcomes.ready;
import static dev.capfabric.plugin.stt.Outcomes.text;
import static dev.capfabric.plugin.stt.Outcomes.unusableReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure-Java Sphinx4 provider with the model from its sphinx4-data jar. */
class Sphinx4ProviderTest {

    private static CapabilityProvider provider;
    private static byte[] weather;

    @BeforeAll
    static void start() throws Exception {
        provider = ready(new Sphinx4Factory().create(TestContext.of(Map.of())));
        weather = SpeechSamples.spoken(SpeechSamples.WEATHER);
    }

    @AfterAll
    static void stop() {
        provider.close();
    }

    @Test
    void recognisesSpeechAt16kMono() throws Exception {
        Result result = provider.handle(TestJobs.wav(weather));

        assertEquals(SpeechSamples.WEATHER, text(result));
        assertEquals("en-us", result.metadata().get("language"));
        assertEquals("sphinx4", result.metadata().get("provider"));
    }

    @Test
    void recognisesSpeechAt44kStereo() throws Exception {
        byte[] stereo = SpeechSamples.converted(SpeechSamples.spoken(SpeechSamples.MEETING), "-r", "44100", "-c", "2");

        assertEquals(SpeechSamples.MEETING, text(provider.handle(TestJobs.wav(stereo))));
    }

    @Test
    void sameAudioGivesTheSameTextWhateverTheEngineHeardBefore() throws Exception {
        byte[] telephone = SpeechSamples.converted(SpeechSamples.spoken(SpeechSamples.MEETING), "-r", "8000");
        String first = text(provider.handle(TestJobs.wav(weather)));

        provider.handle(TestJobs.wav(telephone));

        assertEquals(first, text(provider.handle(TestJobs.wav(weather))));
    }

    @Test
    void aJobAbandonedBetweenSegmentsStopsAndLeavesNothingBehindForTheNext() throws Exception {
        Path first = Files.createTempFile("meeting-", ".wav");
        Path pause = Files.createTempFile("pause-", ".wav");
        Path second = Files.createTempFile("weather-", ".wav");
        Path joined = Files.createTempFile("joined-", ".wav");
        Files.write(first, SpeechSamples.spoken(SpeechSamples.MEETING));
        Files.write(second, weather);
        // two sentences with a second of silence between them: Sphinx4 returns them as two segments
        sox("-n", "-r", "16000", "-c", "1", "-b", "16", pause.toString(), "trim", "0", "1");
        sox(first.toString(), pause.toString(), second.toString(), joined.toString());
        AtomicInteger looks = new AtomicInteger();
        Job abandonedAfterFirstSegment = new Job("abandoned", Capability.STT, Map.of(),
                new Payload("audio/wav", Files.readAllBytes(joined)), Instant.now().plusSeconds(120),
                () -> looks.incrementAndGet() > 1);

        CapabilityException e = assertThrows(CapabilityException.class, () -> provider.handle(abandonedAfterFirstSegment));

        assertEquals(CapabilityException.Kind.TIMEOUT, e.kind());
        assertEquals(SpeechSamples.WEATHER, text(provider.handle(TestJobs.wav(weather))));
        for (Path path : List.of(first, pause, second, joined)) {
            Files.delete(path);
        }
    }

    @Test
    void aFollowedJobHearsEachSegmentWithItsTimesBeforeTheTranscript() throws Exception {
        Path first = Files.createTempFile("meeting-", ".wav");
        Path pause = Files.createTempFile("pause-", ".wav");
        Path second = Files.createTempFile("weather-", ".wav");
        Path joined = Files.createTempFile("joined-", ".wav");
        Files.write(first, SpeechSamples.spoken(SpeechSamples.MEETING));
        Files.write(second, weather);
        sox("-n", "-r", "16000", "-c", "1", "-b", "16", pause.toString(), "trim", "0", "1");
        sox(first.toString(), pause.toString(), second.toString(), joined.toString());
        java.util.List<Result> segments = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.List<Double> progress = new java.util.concurrent.CopyOnWriteArrayList<>();
        int[] progressBeforeFirst = {-1};
        dev.capfabric.spi.Cancellation follower = new dev.capfabric.spi.Cancellation() {
            @Override
            public boolean isCancelled() {
                return false;
            }

            @Override
            public boolean streaming() {
                return true;
            }

            @Override
            public void progress(double fraction, String message) {
                progress.add(fraction);
            }

            @Override
            public void partial(Result piece) {
                if (segments.isEmpty()) {
                    progressBeforeFirst[0] = progress.size();
                }
                segments.add(piece);
            }
        };
        Job followed = new Job("followed", Capability.STT, Map.of(), new Payload("audio/wav", Files.readAllBytes(joined)),
                Instant.now().plusSeconds(120), follower);

        String transcript = text(provider.handle(followed));

        assertEquals(SpeechSamples.MEETING + " " + SpeechSamples.WEATHER, transcript);
        assertEquals(2, segments.size(), segments.toString());
        assertEquals(SpeechSamples.MEETING, segments.get(0).metadata().get("text"));
        assertEquals(SpeechSamples.WEATHER, segments.get(1).metadata().get("text"));
        double firstEnd = (Double) segments.get(0).metadata().get("end_s");
        double secondStart = (Double) segments.get(1).metadata().get("start_s");
        assertTrue((Double) segments.get(0).metadata().get("start_s") < firstEnd, segments.toString());
        // the second sentence starts after the first and the second of silence between them
        assertTrue(secondStart >= firstEnd + 0.5, segments.toString());
        assertTrue(segments.get(0).output().isEmpty());
        // decoding the second sentence still lay ahead when the first was handed over: the share of the audio read,
        // reported right after it, leaves the second sentence unread (a share, not a time: the host's load moves times)
        double readAtFirst = progress.get(progressBeforeFirst[0]);
        assertTrue(readAtFirst < 0.8, "the first segment came after " + readAtFirst + " of the audio was read " + progress);
        for (int i = 1; i < progress.size(); i++) {
            assertTrue(progress.get(i) >= progress.get(i - 1), "progress " + progress);
        }
        assertTrue(progress.getLast() > 0.5 && progress.getLast() <= 1.0, "progress " + progress);
        // nobody following: no segments, the same transcript
        assertEquals(transcript, text(provider.handle(TestJobs.wav(Files.readAllBytes(joined)))));
        for (Path path : List.of(first, pause, second, joined)) {
            Files.delete(path);
        }
    }

    private static void sox(String... arguments) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("sox"));
        command.addAll(List.of(arguments));
        Process sox = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(sox.getInputStream().readAllBytes());
        assertEquals(0, sox.waitFor(), output);
    }

    @Test
    void refusesOtherLanguagesAndInputThatIsNotAudio() {
        CapabilityException french = assertThrows(CapabilityException.class,
                () -> provider.handle(TestJobs.wav(weather, Map.of("language", "fr"))));
        CapabilityException notAudio = assertThrows(CapabilityException.class,
                () -> provider.handle(TestJobs.job(new Payload("audio/wav", new byte[]{1, 2, 3}), Map.of(),
                        Duration.ofSeconds(5))));

        assertEquals(CapabilityException.Kind.UNPROCESSABLE, french.kind());
        assertEquals(CapabilityException.Kind.BAD_INPUT, notAudio.kind());
        assertTrue(notAudio.getMessage().contains("only 3 bytes"), notAudio.getMessage());
    }

    @Test
    void describesTheModelInsideItsJar() {
        ProviderDescription description = provider.describe();

        assertEquals(List.of("cmusphinx-en-us"), description.models());
        assertEquals(1, description.concurrency());
        assertTrue(description.artifacts().getFirst().path().endsWith("sphinx4-data-1.0.0.jar"),
                description.artifacts().toString());
        assertTrue(description.artifacts().getFirst().bytes() > 10_000_000);
    }

    @Test
    void aModelThatFailsToLoadOnTheFirstJobAnswersUnavailableAndReportsTheProviderDown(@TempDir Path folder)
            throws Exception {
        Path model = copyOfBundledModel(folder);
        // every file there, so creation cannot tell; Sphinx4 finds out when it loads the language model
        Files.writeString(model.resolve("en-us.lm.bin"), "not a language model");
        CapabilityProvider broken = ready(new Sphinx4Factory().create(TestContext.of(Map.of("model-dir", model.toString()))));
        try {
            assertTrue(broken.health().usable());
            assertTrue(broken.health().detail().contains("0 of 1 engines loaded"), broken.health().detail());

            CapabilityException e = assertThrows(CapabilityException.class, () -> broken.handle(TestJobs.wav(weather)));

            assertEquals(CapabilityException.Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().startsWith("sphinx4 could not load its model"), e.getMessage());
            assertFalse(broken.health().usable());
            assertEquals(e.getMessage(), broken.health().detail());
        } finally {
            broken.close();
        }
    }

    @Test
    void isUnusableWhenAModelFileIsMissingFromItsFolder(@TempDir Path folder) throws Exception {
        Path model = copyOfBundledModel(folder);
        Files.delete(model.resolve("en-us/variances"));

        String reason = unusableReason(new Sphinx4Factory().create(TestContext.of(Map.of("model-dir", model.toString()))));

        assertTrue(reason.contains("cannot be read") && reason.contains("variances"), reason);
    }

    /** The model of the sphinx4-data jar, copied out into {@code folder}/en-us. */
    private static Path copyOfBundledModel(Path folder) throws Exception {
        Sphinx4Model bundled = Sphinx4Model.bundled();
        Path model = Files.createDirectories(folder.resolve("en-us").resolve("en-us")).getParent();
        Map<String, String> files = new java.util.LinkedHashMap<>();
        files.put(bundled.dictionary(), "cmudict-en-us.dict");
        files.put(bundled.languageModel(), "en-us.lm.bin");
        for (String part : List.of("mdef", "means", "variances", "transition_matrices", "mixture_weights", "noisedict",
                "feat.params")) {
            files.put(bundled.acousticModel() + "/" + part, "en-us/" + part);
        }
        for (Map.Entry<String, String> file : files.entrySet()) {
            try (java.io.InputStream in = java.net.URI.create(file.getKey()).toURL().openStream()) {
                Files.copy(in, model.resolve(file.getValue()));
            }
        }
        return model;
    }

    @Test
    void isUnusableWithoutItsModel() {
        String reason = unusableReason(new Sphinx4Factory().create(
                TestContext.of(Map.of("model-dir", "/nonexistent/sphinx4/en-us"))));

        assertTrue(reason.contains("Sphinx4 model not found") && reason.contains("/nonexistent/sphinx4/en-us"), reason);
    }
}
