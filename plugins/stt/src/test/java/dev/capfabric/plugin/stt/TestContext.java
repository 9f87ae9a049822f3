package dev.capfabric.plugin.stt;

import dev.capfabric.spi.ProviderContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A provider context as the kernel would give one: a flat config map, a data folder, a logger. */
public record TestContext(Map<String, String> config, Path dataDir) implements ProviderContext {

    public static TestContext of(Map<String, String> config) {
        try {
            return new TestContext(Map.copyOf(config), Files.createTempDirectory("stt-provider-"));
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
        return System.getLogger("capfabric.test.stt");
    }
}
