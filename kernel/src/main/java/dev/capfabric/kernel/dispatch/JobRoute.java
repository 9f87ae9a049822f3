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

    /**
     * The largest input a job for {@code capability} may bring: the largest
     * {@link dev.capfabric.spi.ProviderDescription#maxInputBytes()} among the usable providers this
     * route could send it to ({@code provider} alone when the job names one); 0 when no provider says.
     * A larger body is refused with 413 before it is read.
     */
    long maxInputBytes(dev.capfabric.spi.Capability capability, Optional<String> provider);

    /**
     * How many jobs of {@code capability} the nodes this route reaches can run at once now, this node's
     * included ({@code provider}'s nodes alone when given); at least 1. Bounds how many parts of a split
     * job are in flight ({@link SplittingRoute}).
     */
    default int parallelism(dev.capfabric.spi.Capability capability, Optional<String> provider) {
        return 1;
    }

    /** Capability names reachable by this route, for the 404 body. */
    java.util.Set<String> knownCapabilities();
}
