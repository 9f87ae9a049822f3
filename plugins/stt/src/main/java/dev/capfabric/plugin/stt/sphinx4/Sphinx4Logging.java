package dev.capfabric.plugin.stt.sphinx4;

import edu.cmu.sphinx.util.SphinxLogFormatter;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * Sends Sphinx4's log to the provider's logger instead of the console: its errors as warnings, its
 * warnings (words of the shipped language model that its dictionary lacks, at every model load) at
 * debug level, its per-model INFO chatter nowhere. Sphinx4 installs a console handler on its configuration's logger unless one with its
 * own formatter is already there, so this handler carries that formatter.
 */
final class Sphinx4Logging extends Handler {

    /** The logger Sphinx4 names after its default configuration file. */
    private static final String SPHINX_LOGGER = "default.config";

    private final System.Logger target;

    private Sphinx4Logging(System.Logger target) {
        this.target = requireNonNull(target, "target is null");
        setFormatter(new SphinxLogFormatter());
        setLevel(Level.WARNING);
    }

    /**
     * Routes Sphinx4's log to {@code target} unless another provider already did.
     *
     * @return closing it takes the routing out again: JUL's loggers are JVM-wide, and a handler left on
     *         one would keep this plugin's class loader alive after the plugin is removed. Held, it
     *         also keeps the logger itself, which JUL references only weakly.
     */
    static AutoCloseable routeTo(System.Logger target) {
        Logger sphinx = Logger.getLogger(SPHINX_LOGGER);
        for (Handler handler : sphinx.getHandlers()) {
            if (handler.getFormatter() instanceof SphinxLogFormatter) {
                return () -> sphinx.getName();
            }
        }
        Sphinx4Logging routing = new Sphinx4Logging(target);
        sphinx.setUseParentHandlers(false);
        sphinx.addHandler(routing);
        return () -> sphinx.removeHandler(routing);
    }

    @Override
    public void publish(LogRecord record) {
        if (isLoggable(record)) {
            System.Logger.Level level = record.getLevel().intValue() >= Level.SEVERE.intValue()
                    ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG;
            target.log(level, "sphinx4: " + record.getMessage(), record.getThrown());
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
