package dev.capfabric.plugin.stt.sphinx4;

import dev.capfabric.plugin.stt.SpeechSamples;
import dev.capfabric.plugin.stt.TestContext;
import dev.capfabric.plugin.stt.TestJobs;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.ProviderDescription;
import dev.capfabric.spi.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.capfabric.plugin.stt.Outcomes.ready;
import static dev.capfabric.plugin.stt.Outcomes.text;
import static dev.capfabric.plugin.stt.Outcomes.unusableReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
    void isUnusableWithoutItsModel() {
        String reason = unusableReason(new Sphinx4Factory().create(
                TestContext.of(Map.of("model-dir", "/nonexistent/sphinx4/en-us"))));

        assertTrue(reason.contains("Sphinx4 model not found") && reason.contains("/nonexistent/sphinx4/en-us"), reason);
    }
}
