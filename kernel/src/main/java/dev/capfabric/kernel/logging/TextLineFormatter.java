package dev.capfabric.kernel.logging;

import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * {@code 2026-12-03T07:43:09.123Z INFO  dev.capfabric.kernel.Kernel - message}: one line per record,
 * whatever the message holds. Line breaks inside a message or a stack trace become {@code " | "}, so
 * a line-based reader (journald, grep, a collector's default parser) never splits a record.
 */
final class TextLineFormatter extends Formatter {

    @Override
    public String format(LogRecord record) {
        StringBuilder line = new StringBuilder(160)
                .append(LogLines.timestamp(record)).append(' ')
                .append(String.format("%-5s", LogLines.level(record.getLevel()))).append(' ')
                .append(record.getLoggerName()).append(" - ")
                .append(oneLine(formatMessage(record)));
        if (record.getThrown() != null) {
            line.append(" | ").append(oneLine(LogLines.stackTrace(record.getThrown())));
        }
        return line.append('\n').toString();
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\R\\s*", " | ");
    }
}
