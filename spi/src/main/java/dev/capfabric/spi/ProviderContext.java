package dev.capfabric.spi;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What the kernel gives a {@link ProviderFactory} when it creates a provider: the provider's own
 * configuration as a flat map, a private data folder and a logger. The provider never sees the
 * kernel's configuration system.
 */
public interface ProviderContext {

    /** The id of the node this provider runs on. */
    String nodeId();

    /**
     * The provider's own settings: the keys under {@code providers.<id>} in the node's
     * configuration, flattened with dots ({@code base-url}, {@code models.default}), with
     * environment overrides already applied.
     */
    Map<String, String> config();

    /** A folder this provider may write to; it exists and survives restarts. */
    Path dataDir();

    /** The logger to use; messages are tagged with the provider id. */
    System.Logger logger();

    /** One setting, if present and not blank. */
    default Optional<String> config(String key) {
        String value = config().get(key);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
    }

    /** One setting, or {@code fallback} when absent or blank. */
    default String config(String key, String fallback) {
        return config(key).orElse(fallback);
    }
}
