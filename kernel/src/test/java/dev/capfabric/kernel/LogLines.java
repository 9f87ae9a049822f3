package dev.capfabric.kernel;

import java.text.MessageFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The messages one logger writes at {@code level} or above while open, with their parameters filled
 * in as the node's log shows them: for tests that assert what a node logs.
 */
public final class LogLines extends Handler implements AutoCloseable {

    private final Logger logger;
    private final Level level;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    private LogLines(Logger logger, Level level) {
        this.logger = logger;
        this.level = level;
        logger.addHandler(this);
    }

    /** Starts collecting what the logger of {@code type} writes at {@code level} or above. */
    public static LogLines of(Class<?> type, Level level) {
        return new LogLines(Logger.getLogger(type.getName()), level);
    }

    /** The lines so far (a live view). */
    public List<String> lines() {
        return lines;
    }

    @Override
    public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= level.intValue()) {
            lines.add(MessageFormat.format(record.getMessage(), record.getParameters() == null ? new Object[0] : record.getParameters()));
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
