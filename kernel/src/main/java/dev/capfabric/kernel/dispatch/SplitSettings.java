package dev.capfabric.kernel.dispatch;

import dev.capfabric.kernel.config.InvalidSettingsException;
import io.helidon.config.Config;

/**
 * How jobs that a provider splits run in parts ({@link SplittingRoute}), from {@code capfabric.dispatch.split}.
 *
 * @param enabled     whether jobs are split at all; when off every job runs whole where the route sends it
 * @param maxParts    the most parts one job may be split into; a job with more fails 413 before any part runs
 * @param maxParallel the most parts of one job in flight at once, whatever the fleet could take
 */
public record SplitSettings(boolean enabled, int maxParts, int maxParallel) {

    public static final int DEFAULT_MAX_PARTS = 1000;
    public static final int DEFAULT_MAX_PARALLEL = 32;

    public SplitSettings {
        if (maxParts < 2 || maxParallel < 1) {
            throw new InvalidSettingsException("capfabric.dispatch.split: max-parts must be at least 2 and max-parallel at least 1");
        }
    }

    /** Reads {@code split} under the {@code capfabric.dispatch} node. */
    public static SplitSettings of(Config dispatch) {
        Config split = dispatch.get("split");
        return new SplitSettings(split.get("enabled").asBoolean().orElse(true),
                split.get("max-parts").asInt().orElse(DEFAULT_MAX_PARTS),
                split.get("max-parallel").asInt().orElse(DEFAULT_MAX_PARALLEL));
    }
}
