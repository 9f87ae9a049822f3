package dev.capfabric.plugin.stt.whisper;

import dev.capfabric.plugin.stt.SpeechSamples;
import dev.capfabric.plugin.stt.TestContext;
import dev.capfabric.plugin.stt.TestJobs;
import dev.capfabric.plugin.stt.whisper.FakeTranscriptionServer.Behaviour;
import dev.capfabric.plugin.stt.whisper.FakeTranscriptionServer.Upload;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityException.Kind;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Health;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.capfabric.plugin.stt.Outcomes.ready;
import static dev.capfabric.plugin.stt.Outcomes.text;
import static dev.capfabric.plugin.stt.Outcomes.unusableReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The openai-whisper adapter against an in-test server speaking the OpenAI transcription API. */
class OpenAiWhisperProviderTest {

    private static final String KEY = "sk-test-key";

    private static byte[] stereo44k;
    private FakeTranscriptionServer backend;
    private CapabilityProvider provider;

    @BeforeAll
    static void speech() throws Exception {
        stereo44k = SpeechSamples.converted(SpeechSamples.spoken(SpeechSamples.WEATHER), "-r", "44100", "-c", "2");
    }

    @BeforeEach
    void start() throws IOException {
        backend = new FakeTranscriptionServer(KEY);
        provider = create(Map.of());
    }

    @AfterEach
    void stop() {
        provider.close();
        backend.close();
    }

    private CapabilityProvider create(Map<String, String> overrides) {
        Map<String, String> config = new HashMap<>(Map.of("base-url", backend.baseUrl(), "api-key", KEY));
        config.putAll(overrides);
        return ready(new OpenAiWhisperFactory().create(TestContext.of(config)));
    }

    @Test
    void sendsTheDocumentedMultipartRequestAndAnswersTheTranscript() throws Exception {
        Result result = provider.handle(TestJobs.wav(stereo44k, Map.of("language", "en-US")));

        assertEquals("hello from the backend", text(result));
        assertEquals("en", result.metadata().get("language"));
        assertEquals("openai-whisper", result.metadata().get("provider"));
        assertEquals(2.3, (Double) result.metadata().get("duration_s"), 1.0);
        Upload upload = backend.uploads().getFirst();
        assertEquals("Bearer " + KEY, upload.headers().get("authorization"));
        assertEquals(Map.of("model", "whisper-1", "language", "en", "response_format", "json"), upload.fields());
        assertEquals("audio.wav", upload.fileName());
        assertEquals("audio/wav", upload.fileType());
        ByteBuffer header = ByteBuffer.wrap(upload.file()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1, header.getShort(22), "uploaded as mono");
        assertEquals(16_000, header.getInt(24), "uploaded at 16 kHz");
        assertEquals(16, header.getShort(34), "uploaded as 16-bit");
    }

    @Test
    void worksWithABaseUrlThatAlreadyEndsInV1() throws Exception {
        try (CapabilityProvider withV1 = create(Map.of("base-url", backend.baseUrl() + "/v1/"))) {
            assertEquals("hello from the backend", text(withV1.handle(TestJobs.wav(stereo44k))));
        }
    }

    @Test
    void withoutALanguageLetsTheBackendDetectItAndReportsWhatItSaid() throws Exception {
        backend.answer("bonjour", "fr");
        Result detected = provider.handle(TestJobs.wav(stereo44k));
        backend.answer("bonjour", "french");
        Result named = provider.handle(TestJobs.wav(stereo44k));

        assertFalse(backend.uploads().getFirst().fields().containsKey("language"));
        assertEquals("fr", detected.metadata().get("language"));
        assertEquals("und", named.metadata().get("language"), "a language name is not a tag");
    }

    @Test
    void aJobMayAskForAnotherModel() throws Exception {
        provider.handle(TestJobs.wav(stereo44k, Map.of("model", "gpt-4o-mini")));

        assertEquals("gpt-4o-mini", backend.uploads().getFirst().fields().get("model"));
    }

    @Test
    void mapsTheBackendsErrorBodiesToKinds() {
        assertFailure(Kind.UNPROCESSABLE, "Invalid language 'xx'", Map.of("language", "xx"));
        assertFailure(Kind.UNPROCESSABLE, "The model `large-v9` does not exist", Map.of("model", "large-v9"));
        backend.behave(Behaviour.LOCALAI_500);
        assertFailure(Kind.UNAVAILABLE, "backend failed (500): could not load model", Map.of());
        backend.behave(Behaviour.WHISPER_CPP_500);
        assertFailure(Kind.UNAVAILABLE, "failed to process audio", Map.of());
        backend.behave(Behaviour.FASTAPI_422);
        assertFailure(Kind.UNPROCESSABLE, "field required", Map.of());
        backend.behave(Behaviour.TOO_LARGE_413);
        assertFailure(Kind.TOO_LARGE, "Maximum content size", Map.of());
        backend.behave(Behaviour.RATE_LIMITED_429);
        assertFailure(Kind.UNAVAILABLE, "rate-limiting", Map.of());
    }

    @Test
    void aWrongApiKeyIsThisNodesProblemNotTheCallers() {
        try (CapabilityProvider wrongKey = create(Map.of("api-key", "sk-wrong"))) {
            CapabilityException e = assertThrows(CapabilityException.class, () -> wrongKey.handle(TestJobs.wav(stereo44k)));

            assertEquals(Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().contains("api-key") && e.getMessage().contains("Incorrect API key"), e.getMessage());
            Health health = wrongKey.health();
            assertFalse(health.usable());
            assertTrue(health.detail().contains("401"), health.detail());
        }
    }

    @Test
    void refusesUndecodableAudioWithoutBotheringTheBackend() {
        Payload mp3 = new Payload("audio/wav", "ID3\u0003\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000".getBytes(StandardCharsets.ISO_8859_1));

        CapabilityException e = assertThrows(CapabilityException.class,
                () -> provider.handle(TestJobs.job(mp3, Map.of(), Duration.ofSeconds(10))));

        assertEquals(Kind.BAD_INPUT, e.kind());
        assertTrue(e.getMessage().contains("MP3"), e.getMessage());
        assertEquals(0, backend.hits("/v1/audio/transcriptions"));
    }

    @Test
    void refusesLanguagesOutsideTheConfiguredOnes() {
        try (CapabilityProvider restricted = create(Map.of("languages", "en,de"))) {
            CapabilityException e = assertThrows(CapabilityException.class,
                    () -> restricted.handle(TestJobs.wav(stereo44k, Map.of("language", "fr"))));

            assertEquals(Kind.UNPROCESSABLE, e.kind());
            assertEquals(List.of("en", "de"), restricted.describe().languages());
        }
    }

    @Test
    void aSlowBackendRunsIntoTheJobsDeadline() {
        backend.behave(Behaviour.SLOW);
        long start = System.nanoTime();

        CapabilityException e = assertThrows(CapabilityException.class, () -> provider.handle(
                TestJobs.job(new Payload("audio/wav", stereo44k), Map.of(), Duration.ofMillis(1_500))));

        assertEquals(Kind.TIMEOUT, e.kind());
        // the backend takes 5 s; the job gave up at its deadline, not after the backend answered
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 4_500);
    }

    @Test
    void aSlowBackendIsAbandonedWhenTheCallerCancels() {
        backend.behave(Behaviour.SLOW);
        Instant cancelAt = Instant.now().plusMillis(800);
        Job job = new Job("cancelled", Capability.STT, Map.of(), new Payload("audio/wav", stereo44k),
                Instant.now().plusSeconds(60), () -> Instant.now().isAfter(cancelAt));

        CapabilityException e = assertThrows(CapabilityException.class, () -> provider.handle(job));

        assertEquals(Kind.TIMEOUT, e.kind());
        assertTrue(e.getMessage().contains("cancelled"), e.getMessage());
    }

    @Test
    void aBackendThatDiesMidResponseIsUnavailable() {
        backend.behave(Behaviour.DIE_MID_RESPONSE);

        CapabilityException e = assertThrows(CapabilityException.class, () -> provider.handle(TestJobs.wav(stereo44k)));

        assertEquals(Kind.UNAVAILABLE, e.kind());
    }

    @Test
    void aDeadBackendIsUnavailableAndHealthSaysSo() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        try (CapabilityProvider dead = create(Map.of("base-url", "http://127.0.0.1:" + port))) {
            CapabilityException e = assertThrows(CapabilityException.class, () -> dead.handle(TestJobs.wav(stereo44k)));
            Health health = dead.health();

            assertEquals(Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
            assertFalse(health.usable());
            assertTrue(health.detail().contains("unreachable"), health.detail());
        }
    }

    @Test
    void healthProbesTheModelListAndDescribeAdvertisesTheTranscriptionModels() {
        Health health = provider.health();

        assertTrue(health.usable(), health.detail());
        assertEquals(List.of("whisper-1"), provider.describe().models());
        assertEquals(1, backend.hits("/v1/models"));
    }

    @Test
    void aBackendWithoutAModelListIsStillUsable() {
        backend.listModels(false);

        Health health = provider.health();

        assertTrue(health.usable(), health.detail());
        assertTrue(health.detail().contains("lists no models"), health.detail());
        assertEquals(List.of("whisper-1"), provider.describe().models());
    }

    @Test
    void isUnusableWithoutAUsableBaseUrl() {
        assertTrue(unusableReason(new OpenAiWhisperFactory().create(TestContext.of(Map.of())))
                .contains("no base-url configured"));
        assertTrue(unusableReason(new OpenAiWhisperFactory().create(TestContext.of(Map.of("base-url", "ftp://host/"))))
                .contains("not an http(s) URL"));
        assertTrue(unusableReason(new OpenAiWhisperFactory().create(
                TestContext.of(Map.of("base-url", backend.baseUrl(), "timeout-ms", "soon")))).contains("timeout-ms"));
    }

    private void assertFailure(Kind kind, String message, Map<String, String> parameters) {
        CapabilityException e = assertThrows(CapabilityException.class,
                () -> provider.handle(TestJobs.wav(stereo44k, parameters)));
        assertEquals(kind, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
