package dev.capfabric.plugin.ocr.visionllm;

import dev.capfabric.plugin.ocr.TestJobs;
import dev.capfabric.plugin.ocr.TextImages;
import dev.capfabric.spi.CapabilityException.Kind;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Health;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.List;
import java.util.Map;

import static dev.capfabric.plugin.ocr.visionllm.VisionProviders.fails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** vision-llm against a backend speaking the OpenAI chat completions API. */
class OpenAiVisionTest {

    private FakeOpenAi openAi;
    private CapabilityProvider provider;

    @BeforeEach
    void start() throws Exception {
        openAi = new FakeOpenAi();
        openAi.apiKey = "sk-test";
        provider = VisionProviders.ready(Map.of("api", "openai", "base-url", openAi.url() + "/v1",
                "model", "qwen2.5-vl", "api-key", "sk-test"));
    }

    @AfterEach
    void stop() {
        provider.close();
        openAi.close();
    }

    @Test
    void sendsTheImageAsADataUrlPartAndAnswersWithTheReply() throws Exception {
        openAi.transcript = "STOP\nno parking";
        byte[] jpeg = TextImages.encode(TextImages.render(List.of("STOP", "no parking"), TextImages.SERIF_32), "jpeg");

        Map<String, Object> json = provider.handle(TestJobs.ocr(jpeg, "image/jpeg", Map.of())).metadata();

        assertEquals("STOP\nno parking", json.get("text"));
        assertEquals("qwen2.5-vl", json.get("model"));
        FakeBackend.Received request = openAi.received().getLast();
        assertEquals("/v1/chat/completions", request.path());
        assertEquals("Bearer sk-test", request.authorization().orElseThrow());
        Map<?, ?> message = (Map<?, ?>) ((List<?>) request.json().get("messages")).getFirst();
        assertEquals("user", message.get("role"));
        List<?> content = (List<?>) message.get("content");
        assertEquals("text", ((Map<?, ?>) content.get(0)).get("type"));
        String url = (String) ((Map<?, ?>) ((Map<?, ?>) content.get(1)).get("image_url")).get("url");
        assertTrue(url.startsWith("data:image/jpeg;base64,"), url.substring(0, 40));
        assertArrayEquals(jpeg, Base64.getDecoder().decode(url.substring(url.indexOf(',') + 1)));
    }

    @Test
    void probesV1ModelsWithTheKeyAndAdvertisesThem() {
        Health health = provider.health();

        assertTrue(health.usable(), health.detail());
        assertEquals(List.of("gpt-4o-mini", "qwen2.5-vl"), provider.describe().models());
        assertEquals(List.of("image/png", "image/jpeg", "image/webp"), provider.describe().accepts());
        assertTrue(openAi.received().stream().allMatch(r -> r.authorization().orElse("").equals("Bearer sk-test")));
    }

    @Test
    void isDownWhenTheBackendRejectsTheKey() {
        openAi.apiKey = "sk-rotated";

        Health health = provider.health();

        assertFalse(health.usable());
        assertTrue(health.detail().contains("401: Incorrect API key provided."), health.detail());
        assertTrue(health.detail().contains("check the api-key setting"), health.detail());
    }

    @Test
    void mapsOpenAiErrorAnswers() {
        byte[] png = TextImages.png("x");
        openAi.apiKey = "sk-rotated";
        fails(provider, TestJobs.png(png), Kind.UNAVAILABLE, "Incorrect API key provided.");
        openAi.apiKey = "sk-test";

        openAi.models = List.of("gpt-4o-mini");
        fails(provider, TestJobs.png(png), Kind.UNPROCESSABLE, "The model `qwen2.5-vl` does not exist");

        openAi.failure = failure(400, "Invalid image.", "invalid_request_error", "invalid_image");
        fails(provider, TestJobs.png(png), Kind.BAD_INPUT, "answered 400: Invalid image.");
        openAi.failure = failure(413, "Request too large.", "invalid_request_error", null);
        fails(provider, TestJobs.png(png), Kind.TOO_LARGE, "Request too large.");
        openAi.failure = failure(422, "Unprocessable image.", "invalid_request_error", null);
        fails(provider, TestJobs.png(png), Kind.UNPROCESSABLE, "Unprocessable image.");
        openAi.failure = failure(429, "Rate limit reached for requests", "requests", "rate_limit_exceeded");
        fails(provider, TestJobs.png(png), Kind.UNAVAILABLE, "rate limited");
        openAi.failure = failure(500, "The server had an error while processing your request.", "server_error", null);
        fails(provider, TestJobs.png(png), Kind.UNAVAILABLE, "The server had an error");
    }

    private static FakeBackend.Failure failure(int status, String message, String type, String code) {
        try {
            return new FakeBackend.Failure(status, com.fasterxml.jackson.jr.ob.JSON.std.asString(FakeOpenAi.error(message, type, code)));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
