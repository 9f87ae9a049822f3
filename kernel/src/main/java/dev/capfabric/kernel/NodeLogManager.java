package dev.capfabric.kernel;

import java.util.logging.LogManager;

/**
 * java.util.logging's manager for a node process ({@code Main} names it before anything logs). The
 * JDK's own manager resets logging from a shutdown hook of its own, which runs beside the node's, so
 * the records of a graceful stop (jobs finishing, bye to the fabric) were lost; this one keeps its
 * handlers to the end. The handler flushes each record, so nothing is left unwritten at exit.
 */
public final class NodeLogManager extends LogManager {

    public NodeLogManager() {
    }

    @Override
    public void reset() {
        // the only resets are the one at start-up (nothing to undo yet) and the JDK's shutdown hook
    }
}
