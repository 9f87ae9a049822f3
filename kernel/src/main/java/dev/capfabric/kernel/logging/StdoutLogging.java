package dev.capfabric.kernel.logging;

import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Sends every log record of the process to stdout, one line each, in the chosen {@link LogFormat}.
 * Logging is the one thing that is the process's and not a kernel's: {@code Main} installs it, tests
 * that run kernels in one JVM leave it alone.
 */
public final class StdoutLogging {

    private StdoutLogging() {
    }

    /** Replaces the root logger's handlers with one writing {@code format} lines to stdout. */
    public static void install(LogFormat format) {
        Logger root = LogManager.getLogManager().getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        Handler stdout = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (isLoggable(record)) {
                    // one print per record: lines of concurrent records never interleave
                    System.out.print(getFormatter().format(record));
                    System.out.flush();
                }
            }

            @Override
            public void flush() {
                System.out.flush();
            }

            @Override
            public void close() {
                flush();
            }
        };
        stdout.setFormatter(format.formatter());
        root.addHandler(stdout);
    }
}
