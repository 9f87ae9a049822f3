package dev.capfabric.plugin.ocr.visionllm;

import dev.capfabric.plugin.ocr.TestJobs;
import dev.capfabric.plugin.ocr.TextImages;
import dev.capfabric.spi.CapabilityException.Kind;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Health;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static dev.capfabric.plugin.ocr.visionllm.VisionProviders.fails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** vision-llm against a backend speaking Ollama's API. */
class OllamaVisionTest {

    private FakeOllama ollama;
    private CapabilityProvider provider;

    @BeforeEach
    void start() throws Exception {
        ollama = new FakeOllama();
        provider = VisionProviders.ready(Map.of("api", "ollama", "base-url", ollama.url() + "/", "model", "llava"));
    }

    @AfterEach
    void stop() {
        provider.close();
        ollama.close();
    }

    @Test
    void sendsTheImageToApiGenerateAndAnswersWithTheTranscript() throws Exception {
        ollama.transcript = "Invoice 2025-117\nTotal: 42.00 EUR\n";
        byte[] png = TextImages.png("Invoice 2025-117", "Total: 42.00 EUR");

        Map<String, Object> json = provider.handle(TestJobs.ocr(png, "image/png", Map.of("language", "deu"))).metadata();

        assertEquals("Invoice 2025-117\nTotal: 42.00 EUR", json.get("text"));
        assertEquals(List.of(Map.of("text", "Invoice 2025-117"), Map.of("text", "Total: 42.00 EUR")), json.get("lines"));
        assertEquals(List.of(), json.get("words"));
        assertEquals("vision-llm", json.get("provider"));
        assertEquals("llava", json.get("model"));
        assertFalse(json.containsKey("confidence"), "a language model reports no confidence");
        FakeBackend.Received request = ollama.received().getLast();
        assertEquals("/api/generate", request.path());
        assertEquals("llava", request.json().get("model"));
        assertEquals(false, request.json().get("stream"));
        assertArrayEquals(png, Base64.getDecoder().decode((String) ((List<?>) request.json().get("images")).getFirst()));
        String prompt = (String) request.json().get("prompt");
        assertTrue(prompt.startsWith("Transcribe all the text") && prompt.contains("'deu'"), prompt);
    }

    @Test
    void probesApiTagsAndAdvertisesTheModelsFound() {
        assertEquals(List.of("llava"), provider.describe().models(), "before the first probe: the configured model");

        Health health = provider.health();

        assertTrue(health.usable(), health.detail());
        assertEquals(List.of("llava:latest", "moondream:latest"), provider.describe().models());
        assertEquals(List.of("image/png", "image/jpeg"), provider.describe().accepts());
    }

    @Test
    void isDownWhenTheBackendDoesNotServeTheConfiguredModel() {
        ollama.models = List.of("moondream:latest");

        Health health = provider.health();

        assertFalse(health.usable());
        assertTrue(health.detail().contains("does not serve the configured model 'llava'"), health.detail());
    }

    @Test
    void usesTheModelAJobNamesAndRefusesOneTheBackendLacks() throws Exception {
        provider.health();
        ollama.transcript = "hi";

        provider.handle(TestJobs.ocr(TextImages.png("hi"), "image/png", Map.of("model", "moondream")));
        assertEquals("moondream", ollama.received().getLast().json().get("model"));

        fails(provider, TestJobs.ocr(TextImages.png("hi"), "image/png", Map.of("model", "bakllava")),
                Kind.UNPROCESSABLE, "model 'bakllava' is not served");
    }

    @Test
    void mapsOllamasErrorAnswers() {
        byte[] png = TextImages.png("x");
        ollama.models = List.of("moondream:latest"); // not probed yet, so the request reaches the backend
        fails(provider, TestJobs.png(png), Kind.UNPROCESSABLE, "model 'llava' not found, try pulling it first");

        ollama.failure = new FakeBackend.Failure(400, "{\"error\":\"invalid image data\"}");
        fails(provider, TestJobs.png(png), Kind.BAD_INPUT, "answered 400: invalid image data");

        ollama.failure = new FakeBackend.Failure(500, "{\"error\":\"llama runner process has terminated\"}");
        fails(provider, TestJobs.png(png), Kind.UNAVAILABLE, "llama runner process has terminated");

        ollama.failure = new FakeBackend.Failure(503, "server busy, please try again.  maximum pending requests exceeded");
        fails(provider, TestJobs.png(png), Kind.UNAVAILABLE, "maximum pending requests exceeded");
    }

    @Test
    void refusesFormatsTheApiDoesNotTakeWithoutCallingTheBackend() {
        byte[] tiff = TextImages.encode(new BufferedImage(50, 20, BufferedImage.TYPE_INT_RGB), "tiff");

        fails(provider, TestJobs.ocr(tiff, "image/tiff", Map.of()), Kind.UNPROCESSABLE, "not TIFF");
        fails(provider, TestJobs.png("no image".getBytes()), Kind.BAD_INPUT, "not a PNG");

        assertFalse(ollama.hasReceived("/api/generate"));
    }

    @Test
    void refusesAnOversizedImageWithoutCallingTheBackend() {
        byte[] huge = TextImages.png("x");
        ByteBuffer.wrap(huge).putInt(16, 30_000).putInt(20, 30_000);

        fails(provider, TestJobs.png(huge), Kind.TOO_LARGE, "30000x30000");

        assertFalse(ollama.hasReceived("/api/generate"));
    }

    @Test
    void stripsACodeFenceAroundTheTranscript() throws Exception {
        ollama.transcript = "```text\nHello\nWorld\n```";

        assertEquals("Hello\nWorld", provider.handle(TestJobs.png(TextImages.png("Hello", "World"))).metadata().get("text"));
    }
}
