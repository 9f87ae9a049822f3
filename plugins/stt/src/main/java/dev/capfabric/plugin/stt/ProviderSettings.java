package dev.capfabric.plugin.stt;

import dev.capfabric.spi.ProviderContext;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Typed reading of a provider's flat configuration. A value that is present but malformed makes the
 * provider unusable with a reason naming the key, rather than being silently replaced by a default.
 */
public final class ProviderSettings {

    private final ProviderContext context;

    public ProviderSettings(ProviderContext context) {
        this.context = requireNonNull(context, "context is null");
    }

    public Optional<String> text(String key) {
        return context.config(key);
    }

    public String text(String key, String fallback) {
        return context.config(key, fallback);
    }

    public Optional<Path> path(String key) {
        return context.config(key).map(Path::of);
    }

    /** An integer setting within {@code [min, max]}, or {@code fallback} when absent. */
    public long number(String key, long fallback, long min, long max) throws UnusableException {
        Optional<String> value = context.config(key);
        if (value.isEmpty()) {
            return fallback;
        }
        long parsed;
        try {
            parsed = Long.parseLong(value.get());
        } catch (NumberFormatException e) {
            throw new UnusableException("setting " + key + "='" + value.get() + "' is not a whole number");
        }
        if (parsed < min || parsed > max) {
            throw new UnusableException("setting " + key + "=" + parsed + " is outside " + min + ".." + max);
        }
        return parsed;
    }

    /** The number of engines to run side by side: {@code concurrency}, else {@code fallback}. */
    public int concurrency(int fallback) throws UnusableException {
        return (int) number("concurrency", fallback, 1, 64);
    }

    /**
     * How long an engine may sit idle before it is closed: {@code idle-release-ms}, else {@code fallback};
     * 0 keeps engines until the provider closes.
     */
    public Duration idleRelease(Duration fallback) throws UnusableException {
        return Duration.ofMillis(number("idle-release-ms", fallback.toMillis(), 0, 7L * 24 * 3600 * 1000));
    }

    /** The largest input in bytes: {@code max-input-bytes}, else {@code fallback}. */
    public long maxInputBytes(long fallback) throws UnusableException {
        return number("max-input-bytes", fallback, 1024, 1L << 31);
    }

    /** The longest audio in seconds: {@code max-audio-seconds}, else {@code fallback}. */
    public long maxAudioSeconds(long fallback) throws UnusableException {
        return number("max-audio-seconds", fallback, 1, 24 * 3600);
    }
}
