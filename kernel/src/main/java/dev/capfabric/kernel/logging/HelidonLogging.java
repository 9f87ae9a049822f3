package dev.capfabric.kernel.logging;

import io.helidon.logging.common.spi.LoggingProvider;

/**
 * Tells Helidon that logging is taken care of: without a provider Helidon prints "There is no Helidon
 * logging implementation on classpath" at start. The node configures java.util.logging itself
 * ({@link StdoutLogging}), so there is nothing for Helidon to do.
 */
public final class HelidonLogging implements LoggingProvider {

    @Override
    public void initialization() {
    }

    @Override
    public void runTime() {
    }
}
