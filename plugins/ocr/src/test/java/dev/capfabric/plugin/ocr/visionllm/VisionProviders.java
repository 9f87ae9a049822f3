package dev.capfabric.plugin.ocr.visionllm;

import dev.capfabric.plugin.ocr.TestContext;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.Job;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Creating vision-llm providers the way the kernel does, and asserting on their failures. */
final class VisionProviders {

    private VisionProviders() {
    }

    static CapabilityProvider ready(Map<String, String> config) {
        Creation creation = new VisionLlmFactory().create(new TestContext(config, Path.of("unused")));
        return assertInstanceOf(Creation.Ready.class, creation, creation::toString).provider();
    }

    static String unusable(Map<String, String> config) {
        Creation creation = new VisionLlmFactory().create(new TestContext(config, Path.of("unused")));
        return assertInstanceOf(Creation.Unusable.class, creation, creation::toString).reason();
    }

    static CapabilityException fails(CapabilityProvider provider, Job job, CapabilityException.Kind kind, String messagePart) {
        CapabilityException failure = assertThrows(CapabilityException.class, () -> provider.handle(job));
        assertEquals(kind, failure.kind(), failure.getMessage());
        assertTrue(failure.getMessage().contains(messagePart), failure.getMessage());
        return failure;
    }
}
