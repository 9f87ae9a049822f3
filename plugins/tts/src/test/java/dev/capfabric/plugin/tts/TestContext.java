package dev.capfabric.plugin.tts;

import dev.capfabric.spi.ProviderContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A provider context as the kernel would give it: flat config, a data folder, a logger. */
public record TestContext(Map<String, String> config, Path dataDir) implements ProviderContext {

    public TestContext {
        config = Map.copyOf(config);
    }

    /** A context with this config and a fresh data folder. */
    public static TestContext of(Map<String, String> config) {
        try {
            return new TestContext(config, Files.createTempDirectory("tts-provider-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String nodeId() {
        return "test-node";
    }

    @Override
    public System.Logger logger() {
        return System.getLogger("capfabric.plugin.tts.test");
    }
}
