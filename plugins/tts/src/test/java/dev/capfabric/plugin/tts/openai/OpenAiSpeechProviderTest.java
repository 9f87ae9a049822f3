package dev.capfabric.plugin.tts.openai;

import dev.capfabric.plugin.tts.SpokenAudio;
import dev.capfabric.plugin.tts.TestContext;
import dev.capfabric.plugin.tts.TestJobs;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.Health;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.ProviderDescription;
import dev.capfabric.spi.Result;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Against an in-test server speaking the OpenAI speech API as Kokoro-FastAPI and OpenAI do. */
class OpenAiSpeechProviderTest {

    private static final String SENTENCE = "The quick brown fox jumps over the lazy dog.";

    @Test
    void speaksThroughTheBackendAndNormalisesItsStreamedWav() throws Exception {
        try (FakeSpeechServer kokoro = FakeSpeechServer.kokoro()) {
            CapabilityProvider provider = ready(Map.of("base-url", kokoro.baseUrl() + "/v1/", "voice", "af_bella"));
            assertTrue(provider.health().usable());

            Result result = provider.handle(TestJobs.job(Map.of("text", SENTENCE, "speed", "1.5")));

            SpokenAudio audio = SpokenAudio.of(result).assertSpeech(1.0);
            assertEquals(24_000f, audio.sampleRate());
            assertEquals(0.06 * SENTENCE.length() / 1.5, audio.seconds(), 0.001);
            assertEquals(Map.of("model", "tts-1", "input", SENTENCE, "voice", "af_bella", "response_format", "wav", "speed", 1.5),
                    kokoro.lastRequest());
            assertEquals("openai-speech", result.metadata().get("provider"));
            assertEquals("tts-1", result.metadata().get("model"));
        }
    }

    @Test
    void advertisesTheModelsAndVoicesTheBackendReports() throws Exception {
        try (FakeSpeechServer kokoro = FakeSpeechServer.kokoro()) {
            CapabilityProvider provider = ready(Map.of("base-url", kokoro.baseUrl()));
            assertEquals(List.of(), provider.describe().models(), "nothing is claimed before the first probe");

            provider.health();

            ProviderDescription description = provider.describe();
            assertEquals(FakeSpeechServer.MODELS, description.models());
            assertEquals(FakeSpeechServer.VOICES, description.voices());
            assertEquals("af_bella", description.extra().get("default_voice"), "alloy is not among the listed voices");
            assertTrue(description.produces().containsAll(List.of("audio/wav", "audio/mpeg", "audio/ogg", "audio/flac", "audio/aac")));
        }
    }

    @Test
    void openAiStyleBackendGetsTheKeyAndListsNoVoices() throws Exception {
        try (FakeSpeechServer openAi = FakeSpeechServer.openAi("sk-test")) {
            CapabilityProvider provider = ready(Map.of("base-url", openAi.baseUrl(), "api-key", "sk-test"));

            Health health = provider.health();
            Result result = provider.handle(TestJobs.text(SENTENCE));

            assertTrue(health.usable(), health.detail());
            assertEquals(List.of(), provider.describe().voices());
            assertEquals("Bearer sk-test", openAi.lastAuthorization());
            assertEquals("alloy", openAi.lastRequest().get("voice"));
            SpokenAudio.of(result).assertSpeech(1.0);
        }
    }

    @Test
    void wrongApiKeyMakesItDownAndJobsUnavailable() throws Exception {
        try (FakeSpeechServer openAi = FakeSpeechServer.openAi("sk-right")) {
            CapabilityProvider provider = ready(Map.of("base-url", openAi.baseUrl(), "api-key", "sk-wrong"));

            Health health = provider.health();
            CapabilityException e = assertThrows(CapabilityException.class, () -> provider.handle(TestJobs.text(SENTENCE)));

            assertFalse(health.usable());
            assertTrue(health.detail().contains("HTTP 401") && health.detail().contains("Incorrect API key"), health.detail());
            assertEquals(CapabilityException.Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().contains("api-key"), e.getMessage());
        }
    }

    @Test
    void backendRefusalsKeepTheirMessageAndMapToTheRightKind() throws Exception {
        try (FakeSpeechServer kokoro = FakeSpeechServer.kokoro()) {
            CapabilityProvider provider = ready(Map.of("base-url", kokoro.baseUrl()));
            provider.health();

            CapabilityException voice = assertThrows(CapabilityException.class,
                    () -> provider.handle(TestJobs.job(Map.of("text", SENTENCE, "voice", "bm_nobody"))));
            assertEquals(CapabilityException.Kind.BAD_INPUT, voice.kind());
            assertTrue(voice.getMessage().contains("HTTP 400") && voice.getMessage().contains("Voice 'bm_nobody' not found"),
                    voice.getMessage());

            kokoro.mode(FakeSpeechServer.Mode.SERVER_ERROR);
            CapabilityException server = assertThrows(CapabilityException.class, () -> provider.handle(TestJobs.text(SENTENCE)));
            assertEquals(CapabilityException.Kind.UNAVAILABLE, server.kind());
            assertTrue(server.getMessage().contains("failed the speech request (HTTP 500): CUDA out of memory"), server.getMessage());

            kokoro.mode(FakeSpeechServer.Mode.RATE_LIMITED);
            CapabilityException limited = assertThrows(CapabilityException.class, () -> provider.handle(TestJobs.text(SENTENCE)));
            assertEquals(CapabilityException.Kind.UNAVAILABLE, limited.kind());
            assertTrue(limited.getMessage().contains("Rate limit reached"), limited.getMessage());
        }
    }

    @Test
    void validationErrorsOfTheBackendAreUnprocessable() throws Exception {
        try (FakeSpeechServer kokoro = FakeSpeechServer.kokoro()) {
            CapabilityProvider provider = ready(Map.of("base-url", kokoro.baseUrl(), "voice", "af_sky"));

            CapabilityException e = assertThrows(CapabilityException.class,
                    () -> provider.handle(TestJobs.job(Map.of("text", SENTENCE, "format", "opus"))));

            assertEquals(CapabilityException.Kind.UNPROCESSABLE, e.kind());
            assertTrue(e.getMessage().contains("[body, response_format]: Input should be"), e.getMessage());
        }
    }

    @Test
    void modelTheBackendDoesNotOfferIsRefusedBeforeCallingIt() throws Exception {
        try (FakeSpeechServer kokoro = FakeSpeechServer.kokoro()) {
            CapabilityProvider provider = ready(Map.of("base-url", kokoro.baseUrl()));
            provider.health();

            CapabilityException e = assertThrows(CapabilityException.class,
                    () -> provider.handle(TestJobs.job(Map.of("text", SENTENCE, "model", "gpt-4o-mini-tts"))));

            assertEquals(CapabilityException.Kind.UNPROCESSABLE, e.kind());
            assertTrue(e.getMessage().contains("tts-1, tts-1-hd, kokoro"), e.getMessage());
            assertEquals(null, kokoro.lastRequest(), "the backend was not called");
        }
    }

    @Test
    void configuredModelMissingFromTheBackendMakesItDown() throws Exception {
        try (FakeSpeechServer kokoro = FakeSpeechServer.kokoro()) {
            CapabilityProvider provider = ready(Map.of("base-url", kokoro.baseUrl(), "model", "piper-amy"));

            Health health = provider.health();

            assertFalse(health.usable());
            assertTrue(health.detail().contains("'piper-amy'") && health.detail().contains("tts-1"), health.detail());
        }
    }

    @Test
    void compressedFormatsArePassedThroughWhenTheyAreWhatWasAskedFor() throws Exception {
        try (FakeSpeechServer kokoro = FakeSpeechServer.kokoro()) {
            CapabilityProvider provider = ready(Map.of("base-url", kokoro.baseUrl(), "voice", "am_adam"));

            Result mp3 = provider.handle(TestJobs.job(Map.of("text", "hello", "format", "mp3")));
            assertEquals("audio/mpeg", mp3.output().orElseThrow().mediaType());
            assertEquals("ID3fake mp3 frames for hello", mp3.output().orElseThrow().asText());
            assertEquals("mp3", mp3.metadata().get("format"));

            kokoro.mode(FakeSpeechServer.Mode.OK_BUT_JSON);
            CapabilityException e = assertThrows(CapabilityException.class,
                    () -> provider.handle(TestJobs.job(Map.of("text", "hello", "format", "mp3"))));
            assertEquals(CapabilityException.Kind.INTERNAL, e.kind());
            assertTrue(e.getMessage().contains("application/json") && e.getMessage().contains("not mp3 audio"), e.getMessage());
        }
    }

    @Test
    void slowBackendIsAbandonedAtTheJobsDeadline() throws Exception {
        try (FakeSpeechServer kokoro = FakeSpeechServer.kokoro()) {
            CapabilityProvider provider = ready(Map.of("base-url", kokoro.baseUrl(), "voice", "af_bella"));
            kokoro.mode(FakeSpeechServer.Mode.SLOW);

            CapabilityException e = assertThrows(CapabilityException.class,
                    () -> provider.handle(TestJobs.job(Map.of("text", SENTENCE), Duration.ofMillis(600))));

            assertEquals(CapabilityException.Kind.TIMEOUT, e.kind());
            assertTrue(e.getMessage().contains("did not answer POST /v1/audio/speech in time (the job's deadline)"), e.getMessage());
        }
    }

    @Test
    void slowBackendIsAbandonedAtTheConfiguredTimeoutWhenThatComesFirst() throws Exception {
        try (FakeSpeechServer kokoro = FakeSpeechServer.kokoro()) {
            CapabilityProvider provider = ready(Map.of("base-url", kokoro.baseUrl(), "voice", "af_bella", "timeout-ms", "400"));
            kokoro.mode(FakeSpeechServer.Mode.SLOW);

            CapabilityException e = assertThrows(CapabilityException.class, () -> provider.handle(TestJobs.text(SENTENCE)));

            assertEquals(CapabilityException.Kind.TIMEOUT, e.kind());
            assertTrue(e.getMessage().contains("setting timeout-ms, 400 ms"), e.getMessage());
        }
    }

    @Test
    void refusedConnectionMakesItDownAndJobsUnavailable() throws Exception {
        CapabilityProvider provider = ready(Map.of("base-url", DeadBackend.refusingUrl()));

        Health health = provider.health();
        CapabilityException e = assertThrows(CapabilityException.class, () -> provider.handle(TestJobs.text(SENTENCE)));

        assertFalse(health.usable());
        assertTrue(health.detail().contains("is unreachable"), health.detail());
        assertEquals(CapabilityException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("is unreachable"), e.getMessage());
    }

    @Test
    void backendHangingUpMidAnswerIsUnavailable() throws Exception {
        try (DeadBackend.HangsUpMidAnswer dying = new DeadBackend.HangsUpMidAnswer(1000, "audio/wav")) {
            CapabilityProvider provider = ready(Map.of("base-url", dying.baseUrl()));

            Health health = provider.health();
            CapabilityException e = assertThrows(CapabilityException.class, () -> provider.handle(TestJobs.text(SENTENCE)));

            assertFalse(health.usable());
            assertTrue(health.detail().contains("failed during GET /v1/models"), health.detail());
            assertEquals(CapabilityException.Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().contains("failed during POST /v1/audio/speech"), e.getMessage());
        }
    }

    @Test
    void answerLargerThanTheBoundIsRefused() throws Exception {
        try (FakeSpeechServer kokoro = FakeSpeechServer.kokoro()) {
            CapabilityProvider provider = ready(Map.of("base-url", kokoro.baseUrl(), "voice", "af_bella", "max-response-bytes", "20000"));

            CapabilityException e = assertThrows(CapabilityException.class, () -> provider.handle(TestJobs.text(SENTENCE)));

            assertEquals(CapabilityException.Kind.TOO_LARGE, e.kind());
            assertTrue(e.getMessage().contains("max-response-bytes"), e.getMessage());
        }
    }

    @Test
    void withoutBaseUrlItIsUnusableAndSaysWhatToSet() {
        Creation creation = new OpenAiSpeechFactory().create(TestContext.of(Map.of("api-key", "sk-x")));

        String reason = assertInstanceOf(Creation.Unusable.class, creation).reason();
        assertTrue(reason.contains("base-url is not set"), reason);
    }

    @Test
    void malformedBaseUrlIsUnusableWithoutEchoingIt() {
        Creation creation = new OpenAiSpeechFactory().create(TestContext.of(Map.of("base-url", "ftp://user:secret@host/")));

        String reason = assertInstanceOf(Creation.Unusable.class, creation).reason();
        assertTrue(reason.contains("must be an http or https URL") && !reason.contains("secret"), reason);
    }

    @Test
    void badInputIsRefusedWithoutCallingTheBackend() throws Exception {
        try (FakeSpeechServer kokoro = FakeSpeechServer.kokoro()) {
            CapabilityProvider provider = ready(Map.of("base-url", kokoro.baseUrl(), "max-text-chars", "100"));

            assertKind(provider, TestJobs.job(Map.of("voice", "af_bella")), CapabilityException.Kind.BAD_INPUT);
            assertKind(provider, TestJobs.text("x".repeat(101)), CapabilityException.Kind.TOO_LARGE);
            Map<String, String> fast = new HashMap<>(Map.of("text", SENTENCE, "speed", "4.5"));
            assertKind(provider, TestJobs.job(fast), CapabilityException.Kind.BAD_INPUT);
            assertKind(provider, TestJobs.job(Map.of("text", SENTENCE, "format", "midi")), CapabilityException.Kind.UNPROCESSABLE);
            assertEquals(null, kokoro.lastRequest(), "the backend was not called");
        }
    }

    private static void assertKind(CapabilityProvider provider, Job job, CapabilityException.Kind kind) {
        CapabilityException e = assertThrows(CapabilityException.class, () -> provider.handle(job));
        assertEquals(kind, e.kind(), e.getMessage());
    }

    private static CapabilityProvider ready(Map<String, String> config) {
        Creation creation = new OpenAiSpeechFactory().create(TestContext.of(config));
        return assertInstanceOf(Creation.Ready.class, creation, creation.toString()).provider();
    }
}
