package dev.capfabric.plugin.ocr;

import dev.capfabric.spi.ProviderContext;

import java.nio.file.Path;
import java.util.Map;

/** A provider context as the kernel would give it: flat config, a data folder, a logger. */
public record TestContext(Map<String, String> config, Path dataDir) implements ProviderContext {

    public TestContext {
        config = Map.copyOf(config);
    }

    @Override
    public String nodeId() {
        return "test-node";
    }

    @Override
    public System.Logger logger() {
        return System.getLogger("capfabric.plugin.ocr.test");
    }
}
