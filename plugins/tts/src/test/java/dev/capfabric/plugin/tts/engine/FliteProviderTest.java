package dev.capfabric.plugin.tts.engine;

import dev.capfabric.plugin.tts.SpokenAudio;
import dev.capfabric.plugin.tts.TestContext;
import dev.capfabric.plugin.tts.TestJobs;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.ProviderDescription;
import dev.capfabric.spi.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Against the real flite (Debian package flite). */
class FliteProviderTest {

    private static final String SENTENCE = "The quick brown fox jumps over the lazy dog.";

    private static CapabilityProvider provider;

    @BeforeAll
    static void create() {
        Creation creation = new FliteFactory().create(TestContext.of(Map.of()));
        provider = assertInstanceOf(Creation.Ready.class, creation, creation.toString()).provider();
    }

    @AfterAll
    static void close() {
        provider.close();
    }

    @Test
    void speaksASentenceWithTheBestVoiceByDefault() throws Exception {
        Result result = provider.handle(TestJobs.text(SENTENCE));

        SpokenAudio audio = SpokenAudio.of(result).assertSpeech(1.5);
        assertEquals(16_000f, audio.sampleRate());
        assertEquals("slt", result.metadata().get("voice"));
        assertEquals("flite", result.metadata().get("provider"));
        assertEquals(16_000, result.metadata().get("sample_rate"));
    }

    @Test
    void eightKilohertzVoiceSaysSoInTheHeader() throws Exception {
        Result result = provider.handle(TestJobs.job(Map.of("text", SENTENCE, "voice", "kal")));

        assertEquals(8_000f, SpokenAudio.of(result).assertSpeech(1.5).sampleRate());
    }

    @Test
    void offersTheVoicesFliteListsExceptTimeOnlyOnes() throws IOException, InterruptedException {
        Process lv = new ProcessBuilder("flite", "-lv").redirectErrorStream(true).start();
        String listed = new String(lv.getInputStream().readAllBytes());
        lv.waitFor();
        List<String> expected = FliteFactory.listedVoices(listed).stream().filter(v -> !v.endsWith("_time")).toList();

        ProviderDescription description = provider.describe();
        assertFalse(expected.isEmpty(), listed);
        assertEquals(expected, description.voices());
        assertTrue(description.voices().contains("slt") && !description.voices().contains("awb_time"), description.voices().toString());
        assertEquals(List.of("en"), description.languages());
        assertTrue(((String) description.extra().get("engine")).startsWith("flite-"), description.extra().toString());
    }

    @Test
    void fasterSpeedGivesShorterSpeech() throws Exception {
        double slow = SpokenAudio.of(provider.handle(TestJobs.job(Map.of("text", SENTENCE, "speed", "0.5")))).seconds();
        double fast = SpokenAudio.of(provider.handle(TestJobs.job(Map.of("text", SENTENCE, "speed", "2.0")))).seconds();

        assertTrue(slow > 2.5 * fast, "speed 0.5 gave " + slow + " s, speed 2 gave " + fast + " s");
    }

    @Test
    void textThatLooksLikeAnOptionIsSpokenNotObeyed() throws Exception {
        Result result = provider.handle(TestJobs.text("-voice kal -o /tmp/owned.wav hello"));

        assertEquals(16_000f, SpokenAudio.of(result).assertSpeech(1.0).sampleRate(), "still slt, not kal");
    }

    @Test
    void missingBinaryMakesItUnusableWithTheReason() {
        Creation creation = new FliteFactory().create(TestContext.of(Map.of("binary", "/nonexistent/bin/flite")));

        String reason = assertInstanceOf(Creation.Unusable.class, creation).reason();
        assertTrue(reason.contains("/nonexistent/bin/flite is not an executable file") && reason.contains("Debian package flite"), reason);
    }

    @Test
    void binaryNotOnPathMakesItUnusableWithTheReason() {
        Creation creation = new FliteFactory().create(TestContext.of(Map.of("binary", "flite-that-is-not-installed")));

        String reason = assertInstanceOf(Creation.Unusable.class, creation).reason();
        assertTrue(reason.contains("not found on PATH"), reason);
    }

    @Test
    void configuredDefaultVoiceMustExist() {
        Creation creation = new FliteFactory().create(TestContext.of(Map.of("voice", "nobody")));

        String reason = assertInstanceOf(Creation.Unusable.class, creation).reason();
        assertTrue(reason.contains("'nobody'") && reason.contains("slt"), reason);
    }

    @Test
    void unknownVoiceIsRefusedBeforeFliteSilentlyFallsBack() {
        CapabilityException e = assertThrows(CapabilityException.class,
                () -> provider.handle(TestJobs.job(Map.of("text", SENTENCE, "voice", "awb_time"))));

        assertEquals(CapabilityException.Kind.UNPROCESSABLE, e.kind());
    }
}
