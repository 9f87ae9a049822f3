package dev.capfabric.kernel.logging;

import dev.capfabric.kernel.config.InvalidSettingsException;

import java.util.Locale;
import java.util.function.Supplier;
import java.util.logging.Formatter;

/**
 * How the node writes its log records to stdout ({@code capfabric.log.format}, env
 * {@code CAPFABRIC_LOG_FORMAT}): {@code text}, one line per record for people, or {@code json}, one
 * JSON object per line for log collectors. Both start from the record's time in ISO-8601 UTC.
 */
public enum LogFormat {
    TEXT(TextLineFormatter::new),
    JSON(JsonLineFormatter::new);

    private final Supplier<Formatter> formatter;

    LogFormat(Supplier<Formatter> formatter) {
        this.formatter = formatter;
    }

    Formatter formatter() {
        return formatter.get();
    }

    /** The format named {@code text} or {@code json} (any case, blank is text). */
    public static LogFormat of(String name) {
        String wanted = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        return switch (wanted) {
            case "", "text" -> TEXT;
            case "json" -> JSON;
            default -> throw new InvalidSettingsException("capfabric.log.format (CAPFABRIC_LOG_FORMAT) must be 'text' or 'json', not '"
                    + name + "'");
        };
    }
}
