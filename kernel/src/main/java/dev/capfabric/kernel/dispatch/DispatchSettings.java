package dev.capfabric.kernel.dispatch;

import io.helidon.config.Config;

import java.time.Duration;

/**
 * Limits for one capability's jobs, from {@code capfabric.dispatch} (defaults) and
 * {@code capfabric.dispatch.capabilities.<cap>} (per capability).
 *
 * @param queueCapacity  jobs that may wait for a worker; more are refused with 429
 * @param maxBodyBytes   the largest request body; more is refused with 413
 * @param defaultTimeout the deadline of a job whose request names none
 * @param maxTimeout     the longest deadline a request may ask for
 * @param maxWorkers     the most worker threads, whatever the providers declare
 * @param stuckGrace     how long a provider's {@code handle} may go on after its job's deadline (its
 *                       thread interrupted, its cancellation fired) before the job is written off as
 *                       stuck and its thread replaced
 */
public record DispatchSettings(int queueCapacity, long maxBodyBytes, Duration defaultTimeout, Duration maxTimeout, int maxWorkers,
                               Duration stuckGrace) {

    /** The grace when none is configured: long enough for a provider that checks its cancellation between steps. */
    public static final Duration DEFAULT_STUCK_GRACE = Duration.ofSeconds(5);

    public DispatchSettings {
        if (queueCapacity < 1 || maxBodyBytes < 1 || maxWorkers < 1) {
            throw new IllegalArgumentException("dispatch limits must be positive");
        }
        if (stuckGrace.isNegative()) {
            throw new IllegalArgumentException("stuck-grace-ms must not be negative");
        }
    }

    /** Reads the settings of {@code capability} from the {@code capfabric.dispatch} node. */
    public static DispatchSettings of(Config dispatch, String capability) {
        Config own = dispatch.get("capabilities").get(capability);
        return new DispatchSettings(
                own.get("queue-capacity").asInt().orElse(dispatch.get("queue-capacity").asInt().orElse(64)),
                own.get("max-body-bytes").asLong().orElse(dispatch.get("max-body-bytes").asLong().orElse(32L << 20)),
                Duration.ofMillis(own.get("default-timeout-ms").asLong().orElse(dispatch.get("default-timeout-ms").asLong().orElse(60_000L))),
                Duration.ofMillis(own.get("max-timeout-ms").asLong().orElse(dispatch.get("max-timeout-ms").asLong().orElse(600_000L))),
                own.get("max-workers").asInt().orElse(dispatch.get("max-workers").asInt().orElse(32)),
                Duration.ofMillis(own.get("stuck-grace-ms").asLong().orElse(dispatch.get("stuck-grace-ms").asLong()
                        .orElse(DEFAULT_STUCK_GRACE.toMillis()))));
    }
}
