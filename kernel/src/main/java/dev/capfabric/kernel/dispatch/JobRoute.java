package dev.capfabric.kernel.dispatch;

import dev.capfabric.spi.Job;

import java.util.Optional;

/**
 * Where a job runs: on this node, or (with the fabric) on another. Implementations block until the
 * job has an outcome or its deadline passed, and never throw for a job that failed.
 */
public interface JobRoute {

    /**
     * Runs the job and returns how it ended.
     *
     * @param job        the job, with its deadline
     * @param pinnedNode the node the caller insists on ({@code X-Capfabric-Node}), if any
     */
    Outcome run(Job job, Optional<String> pinnedNode);

    /** Whether any node reachable by this route could have the capability (for 404 versus 503). */
    boolean knows(dev.capfabric.spi.Capability capability);

    /** Capability names reachable by this route, for the 404 body. */
    java.util.Set<String> knownCapabilities();
}
