package dev.capfabric.plugin.tts.speech;

import dev.capfabric.spi.ProviderContext;

import java.time.Duration;
import java.util.Locale;

import static java.util.Objects.requireNonNull;

/**
 * Typed reads of a provider's flat configuration. Every read either returns a valid value or throws
 * {@link IllegalArgumentException} naming the key and what it must be, which the factories report as
 * the reason the provider is unusable.
 */
public final class Settings {

    /** The default bound on one job's text, in characters. */
    public static final int DEFAULT_MAX_TEXT_CHARS = 5000;

    private final ProviderContext context;

    public Settings(ProviderContext context) {
        this.context = requireNonNull(context, "context is null");
    }

    /** A setting's value, if present and not blank. */
    public java.util.Optional<String> text(String key) {
        return context.config(key);
    }

    /** A whole number from 1 to {@code max}, or {@code fallback} when absent. */
    public int positiveInt(String key, int fallback, int max) {
        String value = context.config(key, Integer.toString(fallback));
        try {
            int parsed = Integer.parseInt(value);
            if (parsed > 0 && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + " must be a whole number from 1 to " + max + "; got '" + value + "'");
    }

    /** A whole number from 1 to {@code max}, or {@code fallback} when absent. */
    public long positiveLong(String key, long fallback, long max) {
        String value = context.config(key, Long.toString(fallback));
        try {
            long parsed = Long.parseLong(value);
            if (parsed > 0 && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + " must be a whole number from 1 to " + max + "; got '" + value + "'");
    }

    /** A positive number of milliseconds, or {@code fallback} when absent. */
    public Duration millis(String key, Duration fallback) {
        String value = context.config(key, Long.toString(fallback.toMillis()));
        try {
            long parsed = Long.parseLong(value);
            if (parsed > 0) {
                return Duration.ofMillis(parsed);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + " must be a positive number of milliseconds; got '" + value + "'");
    }

    /** {@code idle-release-ms}: how long a loaded engine may sit unused before it is released; 0 keeps it. */
    public Duration idleRelease(Duration fallback) {
        boolean never = context.config("idle-release-ms").map(String::strip).filter("0"::equals).isPresent();
        return never ? Duration.ZERO : millis("idle-release-ms", fallback);
    }

    /** {@code max-text-chars}: the longest text one job may carry (default 5000, at most 1,000,000). */
    public int maxTextChars() {
        return positiveInt("max-text-chars", DEFAULT_MAX_TEXT_CHARS, 1_000_000);
    }

    /**
     * {@code max-audio-bytes}: the most audio one job may produce before it is stopped (default 128 MiB,
     * about 70 minutes of 16 kHz speech), so an engine cannot fill the node's memory or disk.
     */
    public long maxAudioBytes() {
        return positiveLong("max-audio-bytes", 128L << 20, 1L << 31);
    }

    /** {@code concurrency}: jobs at once, defaulting to {@code fallback}. */
    public int concurrency(int fallback) {
        return positiveInt("concurrency", fallback, 1024);
    }

    /** A description of an invalid setting, for {@code Creation.unusable}. */
    public static String invalid(String provider, IllegalArgumentException e) {
        return String.format(Locale.ROOT, "invalid configuration of %s: %s", provider, e.getMessage());
    }
}
