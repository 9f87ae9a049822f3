package dev.capfabric.kernel.console;

import dev.capfabric.kernel.config.InvalidSettingsException;
import io.helidon.config.Config;

import java.time.Duration;

/**
 * The operator console's settings, from {@code capfabric.console}.
 *
 * @param eventsInterval the shortest time between two pictures of the fleet on {@code /v1/nodes/events}
 *                       ({@code events-interval-ms}, default 1000)
 * @param maxWatchers    how many {@code /v1/nodes/events} streams this node serves at once
 *                       ({@code max-watchers}, default 16); one more is answered 503
 * @param keepAlive      how often a quiet stream gets a comment line, so that a browser or proxy that
 *                       went away is noticed ({@code keep-alive-ms}, default 10000)
 */
public record ConsoleSettings(Duration eventsInterval, int maxWatchers, Duration keepAlive) {

    public static ConsoleSettings of(Config console) {
        long interval = console.get("events-interval-ms").asLong().orElse(1000L);
        int watchers = console.get("max-watchers").asInt().orElse(16);
        long keepAlive = console.get("keep-alive-ms").asLong().orElse(10_000L);
        if (interval < 50 || interval > 60_000) {
            throw new InvalidSettingsException("capfabric.console.events-interval-ms must be between 50 and 60000, not " + interval);
        }
        if (watchers < 1 || watchers > 10_000) {
            throw new InvalidSettingsException("capfabric.console.max-watchers must be between 1 and 10000, not " + watchers);
        }
        if (keepAlive < 100 || keepAlive > 300_000) {
            throw new InvalidSettingsException("capfabric.console.keep-alive-ms must be between 100 and 300000, not " + keepAlive);
        }
        return new ConsoleSettings(Duration.ofMillis(interval), watchers, Duration.ofMillis(keepAlive));
    }
}
