package dev.capfabric.spi;

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

    /** Releases the engine. Called once, after the last {@link #handle} has returned. */
    @Override
    void close();
}
