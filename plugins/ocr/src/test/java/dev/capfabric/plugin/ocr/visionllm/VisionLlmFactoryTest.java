package dev.capfabric.plugin.ocr.visionllm;

import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Capability;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.capfabric.plugin.ocr.visionllm.VisionProviders.unusable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The vision-llm provider is ready only with a backend and a model configured, and says what is missing. */
class VisionLlmFactoryTest {

    @Test
    void isAnOcrProviderCalledVisionLlm() {
        assertEquals("vision-llm", new VisionLlmFactory().id());
        assertEquals(Capability.OCR, new VisionLlmFactory().capability());
    }

    @Test
    void isUnusableWithoutABaseUrl() {
        String reason = unusable(Map.of("model", "llava"));

        assertTrue(reason.startsWith("no base-url configured"), reason);
        assertTrue(reason.contains("http://localhost:11434"), reason);
    }

    @Test
    void isUnusableWithoutAModel() {
        assertTrue(unusable(Map.of("base-url", "http://gpu:11434")).startsWith("no model configured"));
    }

    @Test
    void isUnusableWithAMalformedSetting() {
        assertTrue(unusable(Map.of("api", "gemini", "base-url", "http://gpu", "model", "m")).contains("api must be ollama or openai"));
        assertTrue(unusable(Map.of("base-url", "gpu:11434", "model", "m")).contains("must be an http or https URL"));
        assertTrue(unusable(Map.of("base-url", "http://gpu 1", "model", "m")).contains("is not a URL"));
        assertTrue(unusable(Map.of("base-url", "http://gpu", "model", "m", "timeout-ms", "-5")).contains("timeout-ms must be"));
    }

    @Test
    void resolvesApiPathsUnderTheBaseUrl() {
        try (CapabilityProvider provider = VisionProviders.ready(Map.of("api", "openai", "base-url", "https://gw.example/llm/v1/", "model", "m"))) {
            assertEquals("https://gw.example/llm/", provider.describe().extra().get("base-url"));
        }
        try (CapabilityProvider provider = VisionProviders.ready(Map.of("base-url", "http://gpu:11434", "model", "m"))) {
            assertEquals("http://gpu:11434/", provider.describe().extra().get("base-url"));
            assertEquals("ollama", provider.describe().extra().get("api"));
        }
    }
}
