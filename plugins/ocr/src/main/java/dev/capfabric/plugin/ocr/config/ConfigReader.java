package dev.capfabric.plugin.ocr.config;

import dev.capfabric.plugin.ocr.image.ImageLimits;
import dev.capfabric.spi.ProviderContext;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Typed reads of a provider's flat configuration. A value that is present but unusable raises
 * {@link InvalidConfigException} naming the key, so the factory can report the provider unusable
 * with that reason instead of silently falling back to a default.
 */
public final class ConfigReader {

    private final ProviderContext context;

    public ConfigReader(ProviderContext context) {
        this.context = requireNonNull(context, "context is null");
    }

    public Optional<String> string(String key) {
        return context.config(key);
    }

    public String string(String key, String fallback) {
        return context.config(key, fallback);
    }

    public long positiveLong(String key, long fallback) {
        Optional<String> value = context.config(key);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            long parsed = Long.parseLong(value.get().replace("_", ""));
            if (parsed > 0) {
                return parsed;
            }
        } catch (NumberFormatException notANumber) {
            // reported below with the key
        }
        throw new InvalidConfigException(key + " must be a positive whole number, not '" + value.get() + "'");
    }

    public int positiveInt(String key, int fallback) {
        long value = positiveLong(key, fallback);
        if (value > Integer.MAX_VALUE) {
            throw new InvalidConfigException(key + " is too large: " + value);
        }
        return (int) value;
    }

    public Duration millis(String key, Duration fallback) {
        return Duration.ofMillis(positiveLong(key, fallback.toMillis()));
    }

    public boolean flag(String key, boolean fallback) {
        Optional<String> value = context.config(key);
        if (value.isEmpty()) {
            return fallback;
        }
        return switch (value.get().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new InvalidConfigException(key + " must be true or false, not '" + value.get() + "'");
        };
    }

    /** The image limits from {@code max-input-bytes} and {@code max-pixels}. */
    public ImageLimits imageLimits() {
        return new ImageLimits(positiveLong("max-input-bytes", ImageLimits.DEFAULT_MAX_BYTES),
                positiveLong("max-pixels", ImageLimits.DEFAULT_MAX_PIXELS));
    }
}
