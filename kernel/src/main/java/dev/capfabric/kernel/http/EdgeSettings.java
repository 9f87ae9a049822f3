package dev.capfabric.kernel.http;

import io.helidon.config.Config;

import java.time.Duration;

/**
 * Limits of the HTTP edge that hold across all requests, read from {@code capfabric.http}.
 *
 * @param maxInflightBodyBytes the most request-body bytes held by all requests together; a request
 *                             whose body would go past it is refused with 503 and its connection closed
 * @param bodyIdleTimeout      how long a request body may send nothing before the request is refused
 *                             with 408 and its connection closed
 */
public record EdgeSettings(long maxInflightBodyBytes, Duration bodyIdleTimeout) {

    public EdgeSettings {
        if (maxInflightBodyBytes < 1 || bodyIdleTimeout.isNegative() || bodyIdleTimeout.isZero()) {
            throw new IllegalArgumentException("capfabric.http limits must be positive");
        }
    }

    /**
     * Reads {@code max-inflight-body-bytes} (default: a quarter of the heap, at most 512 MiB) and
     * {@code body-idle-timeout-ms} (default 10 000) from the {@code capfabric.http} node.
     */
    public static EdgeSettings of(Config http) {
        long quarterHeap = Runtime.getRuntime().maxMemory() / 4;
        return new EdgeSettings(
                http.get("max-inflight-body-bytes").asLong().orElse(Math.min(512L << 20, quarterHeap)),
                Duration.ofMillis(http.get("body-idle-timeout-ms").asLong().orElse(10_000L)));
    }
}
