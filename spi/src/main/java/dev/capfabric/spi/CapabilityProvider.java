package dev.capfabric.spi;

import java.util.List;

/**
 * A usable engine for one capability on this node, made by a {@link ProviderFactory}.
 *
 * <p>Lifecycle: created once per plugin load; {@link #handle} is then called from up to
 * {@link ProviderDescription#concurrency()} kernel threads at once; {@link #close} is
 * called exactly once, when the plugin is removed or replaced or the node stops, and only after
 * every {@code handle} call in flight has returned. No call follows {@code close}.
 */
public interface CapabilityProvider extends AutoCloseable {

    /** What this provider can do. Called at creation and whenever the kernel refreshes its view; keep it cheap. */
    ProviderDescription describe();

    /**
     * Whether the engine is usable now (a remote backend answers, a process can start). Called
     * periodically off the request path, never per job. Must not throw.
     */
    Health health();

    /**
     * Runs one job. Blocking is fine: the kernel calls this on a platform worker thread of its own, or
     * on the request's virtual thread for a provider that declares {@link ProviderDescription.Threading#VIRTUAL},
     * and never from an event loop. A provider checks {@link Job#cancellation()} between steps where it can.
     *
     * @throws CapabilityException with a kind saying why the job failed; any other exception is
     *                             reported to the caller as an internal error
     */
    Result handle(Job job) throws CapabilityException;

    /**
     * Splits a job into parts that may run in parallel on different nodes, such as a document's pages or a
     * recording's stretches between silences; an empty list (the default), or a single part, runs the job
     * whole through {@link #handle}.
     *
     * <p>The kernel calls this once per job, on the node that took the job from its caller, before any
     * {@code handle}, and never for a job that is itself a part ({@link JobPart#isPart}). It runs on the
     * caller's thread and does not count against {@link ProviderDescription#concurrency()}: keep it cheap
     * next to {@code handle} (cut the input; do not recognise it). Refusing bad input here, as {@code handle}
     * would, spares the fleet the parts.
     *
     * <p>What the kernel then guarantees:
     * <ul>
     *     <li>each part runs as its own job (see {@link JobPart} for its parameters) through the node's
     *     ordinary routing: on this node or on any other with a provider of the same id, several at once,
     *     never more at once than the nodes serving the capability can run at once nor than the kernel's
     *     configured bound; a job split into more parts than the kernel's cap fails {@code TOO_LARGE}
     *     before any part runs;</li>
     *     <li>a part whose node fails before answering is retried on another, as any job is;</li>
     *     <li>every part keeps the job's deadline; when the caller leaves or the deadline passes, the
     *     parts still running are cancelled and the job ends as any abandoned job does;</li>
     *     <li>when a part fails for good (after the router's retries), the remaining parts are cancelled and
     *     the job fails with that part's error kind and status, its message naming the part
     *     ({@code part 3 of 20 failed on node b: ...}) and its details holding {@code part} (the index) and
     *     {@code parts}; {@link #merge} is not called;</li>
     *     <li>when every part succeeded, {@link #merge} is called once, on this node and this provider,
     *     with the parts' results in order.</li>
     * </ul>
     *
     * @return the parts in order; empty to run the job whole
     * @throws CapabilityException when the input is bad or too large: the job fails as it would in {@code handle}
     */
    default List<JobPart> split(Job job) throws CapabilityException {
        return List.of();
    }

    /**
     * Makes the job's result from its parts' results, after {@link #split} returned two or more parts and
     * every one was served. Called once, on the node and provider that split the job, on the caller's
     * thread; the result is the job's answer, as if {@link #handle} had returned it.
     *
     * @param job   the job as {@link #split} saw it
     * @param parts one result per part, in the order {@link #split} returned the parts (index 0, 1, ...),
     *              each with the node that ran it
     * @throws CapabilityException when the parts cannot be put together (a part's answer has an unexpected shape)
     */
    default Result merge(Job job, List<PartResult> parts) throws CapabilityException {
        throw CapabilityException.internal("provider splits jobs but does not merge them", null);
    }

    /** Releases the engine. Called once, after the last {@link #handle} has returned. */
    @Override
    void close();
}
