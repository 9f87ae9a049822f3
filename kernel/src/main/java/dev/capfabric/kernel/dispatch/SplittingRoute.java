package dev.capfabric.kernel.dispatch;

import dev.capfabric.kernel.plugins.Inventory;
import dev.capfabric.kernel.plugins.PluginHost;
import dev.capfabric.kernel.plugins.ProviderSlot;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.JobPart;
import dev.capfabric.spi.PartResult;
import dev.capfabric.spi.Result;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

import static java.util.Objects.requireNonNull;

/**
 * Runs a job in parts across the fleet when a usable provider of its capability on this node splits it
 * ({@link dev.capfabric.spi.CapabilityProvider#split}): a document page by page, a recording stretch by
 * stretch. Every part is a job of its own that goes through the inner route, so it gets the fabric's
 * routing, retries on another node and circuit breakers like any job; there is no second scheduler.
 *
 * <p>Guarantees: at most as many parts are in flight as the nodes the route reaches can run at once
 * ({@link JobRoute#parallelism}), and never more than {@link SplitSettings#maxParallel()}; a job split into
 * more than {@link SplitSettings#maxParts()} parts fails 413 before any part runs; every part keeps the job's
 * deadline, and when the caller leaves, the deadline passes or a part fails for good, the parts still
 * running are cancelled and the job ends at once with the first failure, its message naming the part. When
 * every part was served, the provider that split the job merges their results, in order, each with the
 * node that served it.
 *
 * <p>A job runs whole, through the inner route, when it is pinned to a node, is itself a part, names a
 * provider this node does not have, when no usable provider here takes it, or when its provider splits it
 * into fewer than two parts. A node that takes a whole job from another node runs it there, whole: jobs
 * offloaded to a node never come through this route, so a job fans out at most once, from the node its
 * caller reached.
 */
public final class SplittingRoute implements JobRoute {

    private static final System.Logger LOG = System.getLogger(SplittingRoute.class.getName());
    /** How long the parts still running may take to notice their cancellation before the job's answer leaves without them. */
    private static final Duration CANCEL_GRACE = Duration.ofSeconds(2);

    private final String nodeId;
    private final JobRoute route;
    private final PluginHost plugins;
    private final SplitSettings settings;

    public SplittingRoute(String nodeId, JobRoute route, PluginHost plugins, SplitSettings settings) {
        this.nodeId = requireNonNull(nodeId, "nodeId is null");
        this.route = requireNonNull(route, "route is null");
        this.plugins = requireNonNull(plugins, "plugins is null");
        this.settings = requireNonNull(settings, "settings is null");
    }

    @Override
    public Outcome run(Job job, Optional<String> pinnedNode) {
        if (!settings.enabled() || pinnedNode.isPresent() || JobPart.isPart(job)) {
            return route.run(job, pinnedNode);
        }
        Optional<ProviderSlot> splitter = splitter(job);
        if (splitter.isEmpty()) {
            return route.run(job, pinnedNode);
        }
        ProviderSlot slot = splitter.get();
        List<JobPart> parts;
        try {
            parts = slot.split(job);
        } catch (CapabilityException e) {
            if (e.kind() == CapabilityException.Kind.UNAVAILABLE) {
                return route.run(job, pinnedNode); // retired meanwhile: another provider or node may take it whole
            }
            return failed(e, slot);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "provider " + slot.id() + " failed to split job " + job.id(), e);
            return internal(slot, "failed to split the job: " + e);
        }
        if (parts.size() < 2) {
            return route.run(job, pinnedNode);
        }
        if (parts.size() > settings.maxParts()) {
            return new Outcome.Failed(413, "too_large", "provider " + slot.id() + " split the job into " + parts.size()
                    + " parts; at most " + settings.maxParts() + " are run for one job (capfabric.dispatch.split.max-parts)",
                    nodeId, Optional.of(slot.id()), Optional.empty(), Map.of("parts", parts.size(), "max_parts", settings.maxParts()));
        }
        return new Fanout(job, slot, parts).run();
    }

    /**
     * The provider here that would run the job whole: the one it names, else the most preferred usable one
     * that offers what it asks and takes its input.
     */
    private Optional<ProviderSlot> splitter(Job job) {
        Inventory inventory = plugins.inventory();
        // most capabilities have no provider that splits (none overrides split): nothing more to look at
        if (!inventory.splits(job.capability())) {
            return Optional.empty();
        }
        Optional<String> named = job.parameter("provider");
        Asked asked = Asked.of(job);
        for (ProviderSlot slot : inventory.ranked(job.capability())) {
            if (!slot.usable() || named.isPresent() && !named.get().equals(slot.id())) {
                continue;
            }
            if (Dispatcher.offers(slot, asked) && Dispatcher.accepts(slot, job.input()) && Dispatcher.takesSize(slot, job)) {
                return slot.splits() ? Optional.of(slot) : Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** One split job's parts in flight: started as permits allow, ended together on the first failure. */
    private final class Fanout {

        private final Job job;
        private final ProviderSlot slot;
        private final List<JobPart> parts;
        private final List<CancellationFlag> flags = new ArrayList<>();
        private final AtomicReferenceArray<Outcome> outcomes;
        private final AtomicReference<Failure> failure = new AtomicReference<>();
        private final AtomicInteger served = new AtomicInteger();
        private final Semaphore permits;
        private final Semaphore ended = new Semaphore(0);

        private record Failure(int index, Outcome.Failed outcome) {
        }

        Fanout(Job job, ProviderSlot slot, List<JobPart> parts) {
            this.job = job;
            this.slot = slot;
            this.parts = parts;
            this.outcomes = new AtomicReferenceArray<>(parts.size());
            Optional<String> provider = Optional.of(job.parameter("provider").orElse(slot.id()));
            this.permits = new Semaphore(Math.max(1, Math.min(settings.maxParallel(), route.parallelism(job.capability(), provider))));
        }

        Outcome run() {
            if (job.cancellation() instanceof CancellationFlag parent) {
                parent.whenCancelled(this::cancelAll);
            }
            int started = 0;
            try {
                for (int index = 0; index < parts.size() && failure.get() == null && !job.abandoned(); index++) {
                    if (!permits.tryAcquire(Math.max(1, job.timeLeft().toMillis()), TimeUnit.MILLISECONDS)) {
                        break;
                    }
                    if (failure.get() != null || job.abandoned()) {
                        permits.release();
                        break;
                    }
                    Job part = partJob(index);
                    int at = index;
                    Thread.ofVirtual().name("capfabric-part-" + job.id() + "-" + index).start(() -> runPart(at, part));
                    started++;
                }
                if (!ended.tryAcquire(started, Math.max(1, job.timeLeft().plus(CANCEL_GRACE).toMillis()), TimeUnit.MILLISECONDS)) {
                    cancelAll();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                cancelAll();
            }
            return outcome();
        }

        private Job partJob(int index) {
            JobPart part = parts.get(index);
            Map<String, String> parameters = new LinkedHashMap<>(job.parameters());
            parameters.putAll(part.parameters());
            parameters.putIfAbsent("provider", slot.id());
            parameters.put(JobPart.PARAMETER, index + "/" + parts.size());
            CancellationFlag flag = new CancellationFlag();
            synchronized (flags) {
                flags.add(flag);
            }
            if (failure.get() != null || job.cancellation().isCancelled()) {
                flag.cancel();
            }
            return new Job(job.id() + ".p" + index, job.capability(), parameters, part.input(), job.deadline(), flag);
        }

        private void runPart(int index, Job part) {
            try {
                Outcome outcome;
                try {
                    outcome = route.run(part, Optional.empty());
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "part " + index + " of job " + job.id() + " failed in routing", e);
                    outcome = internal(slot, "routing failed: " + e);
                }
                outcomes.set(index, outcome);
                if (outcome instanceof Outcome.Failed failed) {
                    if (failure.compareAndSet(null, new Failure(index, failed))) {
                        cancelAll();
                    }
                } else {
                    int done = served.incrementAndGet();
                    job.progress((double) done / parts.size(), done + " of " + parts.size() + " parts done; part " + (index + 1)
                            + " on node " + outcome.node());
                }
            } finally {
                permits.release();
                ended.release();
            }
        }

        private void cancelAll() {
            List<CancellationFlag> toCancel;
            synchronized (flags) {
                toCancel = List.copyOf(flags);
            }
            toCancel.forEach(CancellationFlag::cancel);
        }

        private Outcome outcome() {
            Failure first = failure.get();
            boolean lateOrLeft = first == null || first.outcome().status() == 504 || first.outcome().status() == 499;
            if (job.timeLeft().isZero() && lateOrLeft) {
                return deadlinePassed();
            }
            if (job.cancellation().isCancelled()) {
                return Outcome.Failed.of(499, "cancelled", "the job was cancelled: its caller went away", nodeId);
            }
            if (first != null && first.outcome().status() != 499) {
                Outcome.Failed failed = first.outcome();
                Map<String, Object> details = new LinkedHashMap<>(failed.details());
                details.put("part", first.index());
                details.put("parts", parts.size());
                return new Outcome.Failed(failed.status(), failed.kind(), "part " + (first.index() + 1) + " of " + parts.size()
                        + " failed on node " + failed.node() + ": " + failed.message(), failed.node(), failed.provider(),
                        failed.retryAfter(), details);
            }
            List<PartResult> results = new ArrayList<>(parts.size());
            for (int index = 0; index < outcomes.length(); index++) {
                if (!(outcomes.get(index) instanceof Outcome.Served part)) {
                    return deadlinePassed();
                }
                results.add(new PartResult(index, part.result(), part.node()));
            }
            try {
                Result merged = slot.merge(job, results);
                return new Outcome.Served(merged, nodeId, slot.id());
            } catch (CapabilityException e) {
                return failed(e, slot);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "provider " + slot.id() + " failed to merge job " + job.id(), e);
                return internal(slot, "failed to merge the job's parts: " + e);
            }
        }

        private Outcome.Failed deadlinePassed() {
            return new Outcome.Failed(504, "timeout", "the job's deadline passed with " + served.get() + " of " + parts.size()
                    + " parts done", nodeId, Optional.of(slot.id()), Optional.empty(),
                    Map.of("parts", parts.size(), "parts_done", served.get()));
        }
    }

    private Outcome.Failed failed(CapabilityException e, ProviderSlot slot) {
        return new Outcome.Failed(e.kind().httpStatus(), e.kind().wireName(), e.getMessage(), nodeId, Optional.of(slot.id()),
                e.kind() == CapabilityException.Kind.UNAVAILABLE ? Optional.of(Duration.ofSeconds(1)) : Optional.empty(),
                Map.of("provider", slot.id()));
    }

    private Outcome.Failed internal(ProviderSlot slot, String message) {
        return new Outcome.Failed(500, "internal", "provider " + slot.id() + " " + message, nodeId, Optional.of(slot.id()),
                Optional.empty(), Map.of("provider", slot.id()));
    }

    @Override
    public boolean knows(Capability capability) {
        return route.knows(capability);
    }

    @Override
    public long maxInputBytes(Capability capability, Optional<String> provider) {
        return route.maxInputBytes(capability, provider);
    }

    @Override
    public int parallelism(Capability capability, Optional<String> provider) {
        return route.parallelism(capability, provider);
    }

    @Override
    public Set<String> knownCapabilities() {
        return route.knownCapabilities();
    }
}
