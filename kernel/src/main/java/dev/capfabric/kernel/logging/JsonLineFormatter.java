package dev.capfabric.kernel.logging;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.capfabric.kernel.http.Json;

import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * One JSON object per line: {@code timestamp} (ISO-8601 UTC), {@code level}, {@code logger},
 * {@code thread}, {@code message} and, for a record with a throwable, {@code exception} (its full
 * stack trace). JSON escapes every line break, so a record is always one line.
 */
final class JsonLineFormatter extends Formatter {

    /** The shape of one line. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Line(String timestamp, String level, String logger, String thread, String message, String exception) {
    }

    @Override
    public String format(LogRecord record) {
        Line line = new Line(LogLines.timestamp(record), LogLines.level(record.getLevel()), record.getLoggerName(),
                // JUL hands the record to handlers on the logging thread
                Thread.currentThread().getName(), formatMessage(record),
                record.getThrown() == null ? null : LogLines.stackTrace(record.getThrown()));
        try {
            return Json.MAPPER.writeValueAsString(line) + "\n";
        } catch (JsonProcessingException e) {
            return "{\"timestamp\":\"" + LogLines.timestamp(record) + "\",\"level\":\"ERROR\",\"message\":\"unloggable record\"}\n";
        }
    }
}
