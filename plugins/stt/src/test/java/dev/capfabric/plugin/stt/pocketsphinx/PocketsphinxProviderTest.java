package dev.capfabric.plugin.stt.pocketsphinx;

import dev.capfabric.plugin.stt.SpeechSamples;
import dev.capfabric.plugin.stt.TestContext;
import dev.capfabric.plugin.stt.TestJobs;
import dev.capfabric.plugin.stt.audio.SpeechAudio;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.ProviderDescription;
import dev.capfabric.spi.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static dev.capfabric.plugin.stt.Outcomes.ready;
import static dev.capfabric.plugin.stt.Outcomes.text;
import static dev.capfabric.plugin.stt.Outcomes.unusableReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pocketsphinx provider with the node's real libpocketsphinx3 and pocketsphinx-en-us. */
class PocketsphinxProviderTest {

    private static CapabilityProvider provider;
    private static byte[] children;

    @BeforeAll
    static void start() throws Exception {
        provider = ready(new PocketsphinxFactory().create(TestContext.of(Map.of("concurrency", "2"))));
        children = SpeechSamples.spoken(SpeechSamples.CHILDREN);
    }

    @AfterAll
    static void stop() {
        provider.close();
    }

    @Test
    void recognisesSpeechAt16kMono() throws Exception {
        Result result = provider.handle(TestJobs.wav(children));

        assertEquals(SpeechSamples.CHILDREN, text(result));
        assertEquals("en-us", result.metadata().get("language"));
        assertEquals("pocketsphinx", result.metadata().get("provider"));
        double duration = (Double) result.metadata().get("duration_s");
        assertTrue(duration > 1.0 && duration < 5.0, "duration " + duration);
    }

    @ParameterizedTest(name = "sox {0}")
    @ValueSource(strings = {"-r 44100 -c 2 -b 16", "-r 48000 -c 2 -e floating-point -b 32", "-r 22050 -c 1 -b 24",
            "-r 32000 -c 2 -b 32"})
    void recognisesTheSameSpeechInOtherRatesChannelsAndEncodings(String soxOptions) throws Exception {
        byte[] wav = SpeechSamples.converted(children, soxOptions.split(" "));

        assertEquals(SpeechSamples.CHILDREN, text(provider.handle(TestJobs.wav(wav))));
    }

    @ParameterizedTest(name = "sox {0}")
    @ValueSource(strings = {"-r 16000 -c 1 -b 8 -e unsigned-integer", "-r 8000 -c 1 -b 16"})
    void recognisesTheKeyWordsInLowFidelityAudio(String soxOptions) throws Exception {
        byte[] wav = SpeechSamples.converted(children, soxOptions.split(" "));

        // 8-bit samples (48 dB of dynamic range) and 8 kHz (half the band the model listens to) cost some words
        String heard = text(provider.handle(TestJobs.wav(wav)));
        assertTrue(heard.contains("children"), heard);
    }

    @Test
    void decodersAreReusedAndServeConcurrentJobsWithoutMixingThemUp() throws Exception {
        byte[] weather = SpeechSamples.spoken(SpeechSamples.WEATHER);
        byte[] keys = SpeechSamples.spoken(SpeechSamples.KEYS);
        try (ExecutorService workers = Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < 3; round++) {
                Future<Result> first = workers.submit(() -> provider.handle(TestJobs.wav(weather)));
                Future<Result> second = workers.submit(() -> provider.handle(TestJobs.wav(keys)));
                assertEquals(SpeechSamples.WEATHER, text(first.get()));
                assertEquals(SpeechSamples.KEYS, text(second.get()));
            }
        }
    }

    @Test
    void acceptsEnglishInAnyRegionAndRefusesOtherLanguages() throws Exception {
        assertEquals(SpeechSamples.CHILDREN, text(provider.handle(TestJobs.wav(children, Map.of("language", "en-GB")))));

        CapabilityException german = assertThrows(CapabilityException.class,
                () -> provider.handle(TestJobs.wav(children, Map.of("language", "de"))));
        assertEquals(CapabilityException.Kind.UNPROCESSABLE, german.kind());
        assertTrue(german.getMessage().contains("'de'") && german.getMessage().contains("en-us"), german.getMessage());

        CapabilityException garbage = assertThrows(CapabilityException.class,
                () -> provider.handle(TestJobs.wav(children, Map.of("language", "english please"))));
        assertEquals(CapabilityException.Kind.BAD_INPUT, garbage.kind());
    }

    @Test
    void refusesAModelItDoesNotHave() {
        CapabilityException e = assertThrows(CapabilityException.class,
                () -> provider.handle(TestJobs.wav(children, Map.of("model", "large-v3"))));

        assertEquals(CapabilityException.Kind.UNPROCESSABLE, e.kind());
    }

    @Test
    void refusesInputThatIsNotAudioNamingTheProblem() {
        Payload json = new Payload("application/octet-stream", "{\"text\":\"hi\"}".getBytes(StandardCharsets.UTF_8));

        CapabilityException e = assertThrows(CapabilityException.class,
                () -> provider.handle(TestJobs.job(json, Map.of(), Duration.ofSeconds(10))));

        assertEquals(CapabilityException.Kind.BAD_INPUT, e.kind());
        assertTrue(e.getMessage().contains("not a WAV file") && e.getMessage().contains("JSON"), e.getMessage());
    }

    @Test
    void sameAudioGivesTheSameTextWhateverTheDecoderHeardBefore() throws Exception {
        byte[] telephone = SpeechSamples.converted(SpeechSamples.spoken(SpeechSamples.WEATHER), "-r", "8000");
        for (int round = 0; round < 4; round++) {
            provider.handle(TestJobs.wav(telephone));
            assertEquals(SpeechSamples.CHILDREN, text(provider.handle(TestJobs.wav(children))), "round " + round);
        }
    }

    @Test
    void silenceGivesEmptyText() throws Exception {
        byte[] silence = new SpeechAudio(new short[32_000], 16_000, 2.0, "silence").toWav();

        assertEquals("", text(provider.handle(TestJobs.wav(silence))));
    }

    @Test
    void describesItsModelLanguagesAndFiles() {
        ProviderDescription description = provider.describe();

        assertEquals(List.of("cmusphinx-en-us"), description.models());
        assertTrue(description.languages().containsAll(List.of("en-us", "en")), description.languages().toString());
        assertEquals(2, description.concurrency());
        assertTrue(description.accepts().contains("audio/wav"));
        assertEquals(3, description.artifacts().size());
        assertTrue(description.artifacts().stream().allMatch(a -> a.bytes() > 0), description.artifacts().toString());
        assertTrue(provider.health().usable());
    }

    @Test
    void loadsNoDecoderUntilAJobNeedsOneAndNeverMoreThanItsConcurrency() throws Exception {
        CapabilityProvider lazy = ready(new PocketsphinxFactory().create(TestContext.of(Map.of("concurrency", "2"))));
        try {
            assertTrue(lazy.health().detail().contains("0 of 2 engines loaded"), lazy.health().detail());

            assertEquals(SpeechSamples.CHILDREN, text(lazy.handle(TestJobs.wav(children))));
            assertTrue(lazy.health().detail().contains("1 of 2 engines loaded"), lazy.health().detail());

            try (ExecutorService workers = Executors.newFixedThreadPool(4)) {
                List<Future<Result>> jobs = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    jobs.add(workers.submit(() -> lazy.handle(TestJobs.wav(children))));
                }
                for (Future<Result> job : jobs) {
                    assertEquals(SpeechSamples.CHILDREN, text(job.get()));
                }
            }
            assertTrue(lazy.health().detail().matches(".*[12] of 2 engines loaded.*"), lazy.health().detail());
            assertTrue(lazy.health().usable());
        } finally {
            lazy.close();
        }
    }

    @Test
    void aModelThatFailsToLoadOnTheFirstJobAnswersUnavailableAndReportsTheProviderDown(@TempDir Path copy)
            throws Exception {
        Path model = copyOfDebianModel(copy);
        // complete as far as creation can tell, yet pocketsphinx cannot read the language model
        Files.delete(model.resolve("en-us.lm.bin"));
        Files.write(model.resolve("en-us.lm.bin"), "not a language model".getBytes(StandardCharsets.US_ASCII));
        CapabilityProvider broken = ready(new PocketsphinxFactory().create(
                TestContext.of(Map.of("model-dir", model.toString()))));
        try {
            assertTrue(broken.health().usable(), "nothing is loaded before the first job");

            CapabilityException first = assertThrows(CapabilityException.class,
                    () -> broken.handle(TestJobs.wav(children)));
            CapabilityException second = assertThrows(CapabilityException.class,
                    () -> broken.handle(TestJobs.wav(children)));

            assertEquals(CapabilityException.Kind.UNAVAILABLE, first.kind());
            assertTrue(first.getMessage().contains("pocketsphinx could not load its model"), first.getMessage());
            assertEquals(first.getMessage(), second.getMessage());
            assertFalse(broken.health().usable());
            assertEquals(first.getMessage(), broken.health().detail());
        } finally {
            broken.close();
        }
    }

    @Test
    void isUnusableWhenTheAcousticModelIsIncomplete(@TempDir Path copy) throws Exception {
        Path model = copyOfDebianModel(copy);
        Files.delete(model.resolve("en-us/variances"));

        String reason = unusableReason(new PocketsphinxFactory().create(TestContext.of(Map.of("model-dir", model.toString()))));

        assertTrue(reason.contains("acoustic model incomplete: no variances"), reason);
    }

    @Test
    void isUnusableWhenAnAcousticModelFileIsNotOne(@TempDir Path copy) throws Exception {
        Path model = copyOfDebianModel(copy);
        // loaded, such a file makes sphinxbase end the process
        Files.write(model.resolve("en-us/means"), "not a means file".getBytes(StandardCharsets.US_ASCII));

        String reason = unusableReason(new PocketsphinxFactory().create(TestContext.of(Map.of("model-dir", model.toString()))));

        assertTrue(reason.contains("not a sphinx binary file") && reason.contains("means"), reason);
    }

    /** The Debian en-us model copied into {@code folder}/en-us, the big language model linked rather than copied. */
    private static Path copyOfDebianModel(Path folder) throws IOException {
        Path model = Files.createDirectories(folder.resolve("en-us"));
        Path acoustic = Files.createDirectories(model.resolve("en-us"));
        try (Stream<Path> parts = Files.list(PocketsphinxModel.DEBIAN_EN_US.resolve("en-us"))) {
            for (Path part : parts.toList()) {
                Files.copy(part, acoustic.resolve(part.getFileName()));
            }
        }
        for (String file : List.of("en-us.lm.bin", "cmudict-en-us.dict")) {
            Files.createSymbolicLink(model.resolve(file), PocketsphinxModel.DEBIAN_EN_US.resolve(file));
        }
        return model;
    }

    @Test
    void isUnusableWithoutItsLibrary() {
        String reason = unusableReason(new PocketsphinxFactory().create(
                TestContext.of(Map.of("library", "/nonexistent/libpocketsphinx.so.3"))));

        assertTrue(reason.contains("library not found at /nonexistent/libpocketsphinx.so.3"), reason);
    }

    @Test
    void isUnusableWhenTheFileIsNotThePocketsphinxLibrary() {
        String reason = unusableReason(new PocketsphinxFactory().create(
                TestContext.of(Map.of("library", "/usr/share/pocketsphinx/model/en-us/en-us/mdef"))));

        assertTrue(reason.contains("could not load the pocketsphinx library"), reason);
    }

    @Test
    void isUnusableWithoutItsModel() {
        String reason = unusableReason(new PocketsphinxFactory().create(
                TestContext.of(Map.of("model-dir", "/nonexistent/model/en-us"))));

        assertTrue(reason.contains("model folder not found: /nonexistent/model/en-us"), reason);
        assertTrue(reason.contains("pocketsphinx-en-us"), reason);
    }

    @Test
    void isUnusableWhenAModelPartIsMissing() {
        String reason = unusableReason(new PocketsphinxFactory().create(
                TestContext.of(Map.of("dict", "/nonexistent/cmudict.dict"))));

        assertTrue(reason.contains("dictionary not found: /nonexistent/cmudict.dict"), reason);
    }

    @Test
    void isUnusableWithSettingsItCannotUse() {
        assertTrue(unusableReason(new PocketsphinxFactory().create(TestContext.of(Map.of("concurrency", "many"))))
                .contains("concurrency"));
        assertTrue(unusableReason(new PocketsphinxFactory().create(TestContext.of(Map.of("decoder-options", "-lw"))))
                .contains("decoder-options"));
        assertTrue(unusableReason(new PocketsphinxFactory().create(
                TestContext.of(Map.of("decoder-options", "-no_such_option 1")))).contains("refused the arguments"));
    }
}
