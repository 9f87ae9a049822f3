package dev.capfabric.kernel.auth;

import dev.capfabric.kernel.config.InvalidSettingsException;
import io.helidon.config.Config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * API key settings, from {@code capfabric.http}.
 *
 * @param keysFile      {@code keys-file}: the hashed keys; empty leaves the node open (today's behaviour)
 * @param openHealth    {@code auth.open-health}: {@code /health} needs no key (default true)
 * @param openMetrics   {@code auth.open-metrics}: {@code /metrics} needs no key (default true)
 * @param maxFailures   {@code auth.max-failures}: failed key checks one client address may make per window (default 10)
 * @param failureWindow {@code auth.failure-window-ms}: that window (default 60 s)
 * @param recheck       {@code auth.recheck-ms}: how often the keys file is checked for changes (default 1 s)
 */
public record AuthSettings(Optional<Path> keysFile, boolean openHealth, boolean openMetrics, int maxFailures,
                           Duration failureWindow, Duration recheck) {

    public AuthSettings {
        requireNonNull(keysFile, "keysFile is null");
        if (maxFailures < 1) {
            throw new InvalidSettingsException("capfabric.http.auth.max-failures must be at least 1");
        }
        requireNonNull(failureWindow, "failureWindow is null");
        requireNonNull(recheck, "recheck is null");
    }

    /** Reads the {@code capfabric.http} node; a relative keys file is taken from the working folder (the installation). */
    public static AuthSettings of(Config http) {
        Optional<Path> keysFile = http.get("keys-file").asString().map(String::strip).filter(s -> !s.isEmpty())
                .map(value -> Path.of(value).toAbsolutePath().normalize());
        return new AuthSettings(keysFile,
                http.get("auth.open-health").asBoolean().orElse(true),
                http.get("auth.open-metrics").asBoolean().orElse(true),
                http.get("auth.max-failures").asInt().orElse(10),
                Duration.ofMillis(http.get("auth.failure-window-ms").asLong().orElse(60_000L)),
                Duration.ofMillis(http.get("auth.recheck-ms").asLong().orElse(1000L)));
    }
}
