package dev.capfabric.kernel.plugins;

import dev.capfabric.spi.Capability;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Health;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.JobPart;
import dev.capfabric.spi.PartResult;
import dev.capfabric.spi.ProviderDescription;
import dev.capfabric.spi.Result;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * One provider id from one plugin, in whatever state it is: a live provider, or the reason there is
 * none.
 *
 * <p>A live provider is retired (plugin removed or replaced, node stopping) by {@link #retire()}: it
 * takes no new job, and is closed once the jobs already running have returned.
 */
public final class ProviderSlot {

    private static final System.Logger LOG = System.getLogger(ProviderSlot.class.getName());

    private final String id;
    private final Capability capability;
    private final String plugin;
    private final ProviderStatus fixedStatus;
    private final String fixedReason;
    private final CapabilityProvider provider;
    // whether the provider overrides split(): fixed by its class, so the dispatcher asks only those that may split
    private final boolean splits;
    private final Runnable onClosed;

    private final AtomicInteger inflight = new AtomicInteger();
    // jobs whose handle() outlived their deadline by the grace: written off by the dispatcher, still running
    private final AtomicInteger stuck = new AtomicInteger();
    private final AtomicBoolean retiring = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Health health = Health.ok();
    private volatile ProviderDescription description;

    private ProviderSlot(String id, Capability capability, String plugin, ProviderStatus fixedStatus, String fixedReason,
                         CapabilityProvider provider, Runnable onClosed) {
        this.id = requireNonNull(id, "id is null");
        this.capability = capability;
        this.plugin = requireNonNull(plugin, "plugin is null");
        this.fixedStatus = fixedStatus;
        this.fixedReason = fixedReason;
        this.provider = provider;
        this.splits = provider != null && overridesSplit(provider.getClass());
        this.onClosed = onClosed;
    }

    private static boolean overridesSplit(Class<?> type) {
        try {
            return type.getMethod("split", Job.class).getDeclaringClass() != CapabilityProvider.class;
        } catch (NoSuchMethodException | SecurityException e) {
            return true; // cannot tell: ask it, as before
        }
    }

    /**
     * A slot holding a live provider. Its health and description are read once now, so a provider whose
     * backend is down is never advertised, not even until the first periodic health check.
     */
    static ProviderSlot live(String id, Capability capability, String plugin, CapabilityProvider provider, Runnable onClosed) {
        ProviderSlot slot = new ProviderSlot(id, capability, plugin, null, null, requireNonNull(provider, "provider is null"), onClosed);
        slot.refresh();
        if (slot.description == null) {
            // describe() failed: keep the slot, down, with a minimal description so it can be shown
            slot.description = dev.capfabric.spi.ProviderDescription.builder().build();
        }
        return slot;
    }

    /** A slot without a provider: unavailable or disabled, with the reason. */
    static ProviderSlot absent(String id, Capability capability, String plugin, ProviderStatus status, String reason) {
        return new ProviderSlot(id, capability, plugin, status, requireNonNull(reason, "reason is null"), null, () -> {
        });
    }

    public String id() {
        return id;
    }

    /** The capability, or null when the factory could not even say which. */
    public Capability capability() {
        return capability;
    }

    public String plugin() {
        return plugin;
    }

    /**
     * Usable only while live, healthy and not retiring; degraded while some of its jobs are stuck, and
     * unavailable once more are stuck than it can run at once.
     */
    public ProviderStatus status() {
        if (fixedStatus != null) {
            return fixedStatus;
        }
        if (!health.usable() || retiring.get()) {
            return ProviderStatus.UNAVAILABLE;
        }
        int stuckNow = stuck.get();
        if (stuckNow > concurrency()) {
            return ProviderStatus.UNAVAILABLE;
        }
        return stuckNow > 0 ? ProviderStatus.DEGRADED : ProviderStatus.USABLE;
    }

    /** Whether it takes jobs: usable or degraded. */
    public boolean usable() {
        return status().serves();
    }

    /** What the provider declares; empty when there is no live provider. */
    public Optional<ProviderDescription> description() {
        return Optional.ofNullable(description);
    }

    /** Jobs running in this provider now. */
    public int inflight() {
        return inflight.get();
    }

    /** Jobs of this provider written off as stuck whose {@code handle} has not returned yet. */
    public int stuck() {
        return stuck.get();
    }

    /**
     * Counts a job whose {@code handle} has not returned a grace after its deadline: the dispatcher
     * wrote its thread off. Until {@link #stuckJobReturned} the provider is degraded (unavailable when
     * more are stuck than its concurrency).
     */
    public void jobStuck() {
        stuck.incrementAndGet();
    }

    /** A job counted by {@link #jobStuck} returned after all. */
    public void stuckJobReturned() {
        stuck.decrementAndGet();
    }

    /** The largest input it takes; 0 when there is no live provider. */
    public long maxInputBytes() {
        return description == null ? 0 : description.maxInputBytes();
    }

    /** How many jobs it can run at once; 1 when there is no live provider. */
    public int concurrency() {
        return description == null ? 1 : description.concurrency();
    }

    /**
     * Runs a job in the provider, unless the slot is retiring or holds no provider.
     *
     * @throws CapabilityException of kind unavailable when the slot takes no jobs
     */
    public Result handle(Job job) throws CapabilityException {
        if (provider == null || !tryAcquire()) {
            throw CapabilityException.unavailable("provider " + id + " is not taking jobs: " + reason());
        }
        try {
            return provider.handle(job);
        } finally {
            release();
        }
    }

    /**
     * Whether the provider may split jobs: its class overrides {@link CapabilityProvider#split}. One that does
     * not would answer every job "whole", so it is not asked.
     */
    public boolean splits() {
        return splits;
    }

    /**
     * Asks the provider to split a job ({@link CapabilityProvider#split}); counted as a job in flight while
     * it runs, so a retiring provider is not closed under it.
     *
     * @throws CapabilityException of kind unavailable when the slot takes no jobs
     */
    public List<JobPart> split(Job job) throws CapabilityException {
        if (provider == null || !tryAcquire()) {
            throw CapabilityException.unavailable("provider " + id + " is not taking jobs: " + reason());
        }
        try {
            return List.copyOf(requireNonNull(provider.split(job), "split() returned null"));
        } finally {
            release();
        }
    }

    /**
     * Asks the provider to merge a split job's parts ({@link CapabilityProvider#merge}); counted as a job in
     * flight while it runs. A provider retired since it split the job still merges it: its parts are done.
     */
    public Result merge(Job job, List<PartResult> parts) throws CapabilityException {
        if (provider == null || closed.get()) {
            throw CapabilityException.unavailable("provider " + id + " was closed before it could merge the job's parts");
        }
        inflight.incrementAndGet();
        try {
            if (closed.get()) {
                throw CapabilityException.unavailable("provider " + id + " was closed before it could merge the job's parts");
            }
            return requireNonNull(provider.merge(job, parts), "merge() returned null");
        } finally {
            release();
        }
    }

    private boolean tryAcquire() {
        if (retiring.get()) {
            return false;
        }
        inflight.incrementAndGet();
        if (retiring.get()) {
            release();
            return false;
        }
        return true;
    }

    private void release() {
        if (inflight.decrementAndGet() == 0 && retiring.get()) {
            closeOnce();
        }
    }

    /** Takes no new jobs from now on and closes the provider once those running have returned. */
    void retire() {
        if (retiring.compareAndSet(false, true) && inflight.get() == 0) {
            closeOnce();
        }
    }

    boolean isClosed() {
        return closed.get() || provider == null;
    }

    private void closeOnce() {
        if (provider == null || !closed.compareAndSet(false, true)) {
            return;
        }
        try {
            provider.close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "provider " + id + " failed to close", e);
        } finally {
            onClosed.run();
        }
    }

    /** Asks the provider for its health and description; a provider that throws is marked down. */
    void refresh() {
        if (provider == null || retiring.get()) {
            return;
        }
        try {
            health = requireNonNull(provider.health(), "health() returned null");
            description = requireNonNull(provider.describe(), "describe() returned null");
        } catch (RuntimeException e) {
            health = Health.down("health check failed: " + e);
        }
    }

    void markDown(String reason) {
        health = Health.down(reason);
    }

    String reason() {
        if (fixedReason != null) {
            return fixedReason;
        }
        if (retiring.get()) {
            return "retiring: its plugin was removed or replaced";
        }
        if (!health.usable()) {
            return health.detail();
        }
        int stuckNow = stuck.get();
        if (stuckNow > 0) {
            return stuckNow + (stuckNow == 1 ? " job" : " jobs") + " stuck: handle() did not return after the deadline and the grace"
                    + " (threads written off and replaced; see the log for the job ids)"
                    + (stuckNow > concurrency() ? "; more than its concurrency of " + concurrency() + ", so it takes no jobs" : "");
        }
        return health.detail();
    }

    public ProviderReport report() {
        ProviderDescription d = description;
        String capabilityName = capability == null ? null : capability.name();
        if (d == null) {
            return new ProviderReport(id, capabilityName, plugin, status(), reason(), List.of(), List.of(), List.of(),
                    List.of(), List.of(), 0, 0, Map.of());
        }
        return new ProviderReport(id, capabilityName, plugin, status(), reason(), d.models(), LanguageTags.normaliseAll(d.languages()), d.voices(),
                d.accepts(), d.produces(), d.maxInputBytes(), d.concurrency(), d.extra());
    }
}
