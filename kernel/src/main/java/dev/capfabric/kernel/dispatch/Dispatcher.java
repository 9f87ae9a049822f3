package dev.capfabric.kernel.dispatch;

import dev.capfabric.kernel.node.NodeDescriber;
import dev.capfabric.kernel.plugins.Inventory;
import dev.capfabric.kernel.plugins.PluginHost;
import dev.capfabric.kernel.plugins.ProviderSlot;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.ProviderDescription;
import io.helidon.config.Config;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import static java.util.Objects.requireNonNull;

/**
 * Runs jobs on this node: one {@link CapabilityLane} per capability, created when a provider for it
 * appears and resized whenever the providers change.
 */
public final class Dispatcher implements NodeDescriber.QueueGauges, AutoCloseable {

    /**
     * What {@link #submit} did with a job.
     */
    public sealed interface Admission {
        /** The job is admitted; its outcome completes when it ran, failed or was dropped. */
        final class Queued implements Admission {
            private final QueuedJob job;
            private final CapabilityLane lane;

            private Queued(QueuedJob job, CapabilityLane lane) {
                this.job = job;
                this.lane = lane;
            }

            /** The job's outcome, for callers that do not wait on a thread of their own. */
            public CompletableFuture<Outcome> outcome() {
                return job.outcome;
            }

            /**
             * Waits for the outcome until the job's deadline: 504 then (the job marked cancelled), 503
             * when interrupted. Must be called once when the job was submitted for a waiting caller: the
             * job may be the caller's to run, on this thread.
             */
            public Outcome await() {
                return lane.await(job);
            }
        }

        /** The job was refused before queueing. */
        record Refused(Outcome.Failed outcome) implements Admission {
        }
    }

    private final String nodeId;
    private final PluginHost plugins;
    private final Config settings;
    private final JobMetrics metrics;
    private final Map<Capability, CapabilityLane> lanes = new ConcurrentHashMap<>();
    // each lane's gauges, removed with the lane so a capability that left is not reported
    private final Map<Capability, List<Meter>> laneMeters = new ConcurrentHashMap<>();
    // cancels jobs that run on their caller's thread when their deadline passes
    private final DeadlineSweeper deadlines = new DeadlineSweeper(Duration.ofMillis(10));
    // one full collection once the node idles after work, so it gives back the heap it grew under load
    private final IdleMemoryRelease idleMemory;
    private volatile boolean closed;

    public Dispatcher(String nodeId, PluginHost plugins, Config dispatchSettings, JobMetrics metrics) {
        this.nodeId = requireNonNull(nodeId, "nodeId is null");
        this.plugins = requireNonNull(plugins, "plugins is null");
        this.settings = requireNonNull(dispatchSettings, "dispatchSettings is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.idleMemory = new IdleMemoryRelease(Duration.ofMillis(Math.max(0,
                dispatchSettings.get("idle-memory-release-ms").asLong().orElse(30_000L))), this::idle);
        plugins.addListener(this::providersChanged);
        providersChanged();
    }

    private synchronized void providersChanged() {
        if (closed) {
            return;
        }
        Set<Capability> known = plugins.inventory().known();
        for (Iterator<Map.Entry<Capability, CapabilityLane>> it = lanes.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Capability, CapabilityLane> entry = it.next();
            if (!known.contains(entry.getKey())) {
                // the capability left with its last provider: its queue depth and gauges go too
                it.remove();
                laneMeters.getOrDefault(entry.getKey(), List.of()).forEach(metrics.registry()::remove);
                laneMeters.remove(entry.getKey());
                entry.getValue().retire();
            }
        }
        for (Capability capability : known) {
            CapabilityLane lane = lanes.get(capability);
            if (lane == null) {
                lanes.put(capability, newLane(capability));
            } else {
                lane.resize(plugins.inventory().ranked(capability));
            }
        }
    }

    private CapabilityLane newLane(Capability capability) {
        UsableProviders usable = new UsableProviders(capability);
        // status changes reach the inventory's listeners (this one too) off the thread that found them
        CapabilityLane lane = new CapabilityLane(capability, nodeId, settingsFor(capability),
                () -> usable.in(plugins.inventory()), plugins.inventory().ranked(capability), metrics, deadlines,
                () -> Thread.ofVirtual().name("capfabric-provider-status").start(plugins::providerStatusChanged));
        laneMeters.put(capability, List.of(
                Gauge.builder("capfabric.queue.depth", lane, CapabilityLane::depth)
                        .description("Jobs waiting for a worker")
                        .tag("capability", capability.name())
                        .register(metrics.registry()),
                Gauge.builder("capfabric.jobs.stuck", lane, CapabilityLane::stuck)
                        .description("Jobs whose provider did not return after their deadline and grace: threads written off")
                        .tag("capability", capability.name())
                        .register(metrics.registry())));
        return lane;
    }

    /** The limits that apply to a capability's jobs. */
    public DispatchSettings settingsFor(Capability capability) {
        // a lane keeps its settings: reading them from the config tree on every request costs more than the job
        CapabilityLane lane = lanes.get(capability);
        return lane != null ? lane.settings() : DispatchSettings.of(settings, capability.name());
    }

    /**
     * Queues a job for a local provider, or refuses it at once: 429 when the queue is full, 503 when no
     * provider here can take it now, 422 when the job names a provider this node does not have or a
     * model, language or voice no usable provider offers, 415 when no usable provider takes its media type. For callers
     * that do not wait on a thread of their own: the job runs on the lane's workers.
     */
    public Admission submit(Job job) {
        return submit(job, false);
    }

    /**
     * Like {@link #submit(Job)}, for a caller that waits for the outcome with {@link Admission.Queued#await}
     * on its own (virtual) thread: where the capability's providers allow it, the job then runs on
     * that thread.
     */
    public Admission submitAndWait(Job job) {
        return submit(job, true);
    }

    private Admission submit(Job job, boolean callerWaits) {
        Capability capability = job.capability();
        if (closed) {
            return refused(capability, "shutting_down", new Outcome.Failed(503, "unavailable", "the node is shutting down",
                    nodeId, Optional.empty(), Optional.of(Duration.ofSeconds(1)), Map.of()));
        }
        if (job.cancellation().isCancelled()) {
            return refused(capability, "cancelled", Outcome.Failed.of(499, "cancelled", "the job was cancelled before it was queued", nodeId));
        }
        Inventory inventory = plugins.inventory();
        CapabilityLane lane = lanes.get(capability);
        List<ProviderSlot> usable = lane != null ? lane.usableProviders() : inventory.usable(capability);
        Optional<String> named = job.parameter("provider");
        if (named.isPresent() && inventory.providers().stream()
                .noneMatch(slot -> capability.equals(slot.capability()) && slot.id().equals(named.get()))) {
            // no X-Capfabric-Provider for it: that header names a provider that took part, and this one does not exist
            return refused(capability, "unknown_provider", new Outcome.Failed(422, "unknown_provider",
                    "no provider '" + named.get() + "' for " + capability + " on this node", nodeId, Optional.empty(),
                    Optional.empty(), Map.of("providers", inventory.usable(capability).stream().map(ProviderSlot::id).toList())));
        }
        List<ProviderSlot> candidates = named.isEmpty() ? usable
                : usable.stream().filter(slot -> slot.id().equals(named.get())).toList();
        Asked asked = Asked.of(job);
        // the common case first: a provider takes the input and offers what the job asks (which settles the media type too)
        boolean fits = any(candidates, slot -> accepts(slot, job.input()) && offers(slot, asked));
        if (!fits && !candidates.isEmpty() && !any(candidates, slot -> accepts(slot, job.input()))) {
            Set<String> accepted = new TreeSet<>();
            candidates.forEach(slot -> slot.description().ifPresent(d -> accepted.addAll(d.accepts())));
            return refused(capability, "unsupported_media_type", new Outcome.Failed(415, "unsupported_media_type",
                    capability + " on this node does not take " + job.input().baseType() + "; it takes " + String.join(", ", accepted),
                    nodeId, named, Optional.empty(), Map.of("accepts", List.copyOf(accepted))));
        }
        if (!fits || lane == null) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("providers", inventory.unusableReasons(capability));
            details.putAll(asked.details());
            if (lane != null && asked.any() && !candidates.isEmpty() && candidates.stream().noneMatch(slot -> offers(slot, asked))) {
                // permanent: a retry gets the same answer until the node's providers change
                details.put("offered", NodeDescriber.summarise(candidates));
                return refused(capability, "not_offered", new Outcome.Failed(422, "not_offered",
                        "no usable provider for " + capability + " on this node offers" + asked.describe(), nodeId, named,
                        Optional.empty(), details));
            }
            String message = usable.isEmpty()
                    ? "no usable provider for " + capability + " on this node"
                    : "no usable provider for " + capability + " on this node offers what the job asks for"
                            + asked.describe();
            return refused(capability, "unavailable", new Outcome.Failed(503, "unavailable", message, nodeId, named,
                    Optional.of(Duration.ofSeconds(5)), details));
        }
        if (!any(candidates, slot -> offers(slot, asked) && takesSize(slot, job))) {
            long largest = largestInput(candidates, asked);
            return refused(capability, "too_large", new Outcome.Failed(413, "too_large", "input of " + job.input().size()
                    + " bytes is above the " + largest + "-byte limit of every usable " + capability + " provider on this node"
                    + " that offers what the job asks", nodeId, named, Optional.empty(), Map.of("max_input_bytes", largest)));
        }
        Optional<Outcome.Failed> late = tooLate(lane, job);
        if (late.isPresent()) {
            return refused(capability, "expected_wait", late.get());
        }
        Optional<Outcome.Failed> tooLong = runTooLong(lane, job);
        if (tooLong.isPresent()) {
            return refused(capability, "expected_run", tooLong.get());
        }
        QueuedJob queued = new QueuedJob(job);
        if (job.cancellation() instanceof CancellationFlag flag) {
            // whoever waits for the outcome stops at once; the lane drops the job if it has not started
            flag.whenCancelled(() -> queued.outcome.complete(Outcome.Failed.of(499, "cancelled",
                    "the job was cancelled: its caller went away", nodeId)));
        }
        if (!lane.offer(queued, callerWaits)) {
            Duration wait = lane.estimatedWait();
            return refused(capability, "queue_full", new Outcome.Failed(429, "queue_full",
                    capability + " queue is full (" + lane.settings().queueCapacity() + " jobs waiting)", nodeId, Optional.empty(),
                    Optional.of(wait.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : wait), Map.of()));
        }
        idleMemory.admitted();
        return new Admission.Queued(queued, lane);
    }

    private boolean idle() {
        return lanes.values().stream().allMatch(CapabilityLane::isIdle);
    }

    /**
     * Admission by expected wait: a job that would wait for a slot ({@link CapabilityLane#expectedWait}: the
     * rest of the running jobs' runs and the queue ahead) and then run for the lane's planned service time
     * ({@link CapabilityLane#plannedServiceMillis}: a high percentile of recent runs, not their average) past
     * its deadline is refused now with 429, rather than accepted only to end in 504 (until a job ran, the
     * lane has no service time to go by and admits up to the queue bound). {@code Retry-After} is how much
     * sooner it would have had to be served: the time for that much of the backlog ahead of it to be worked
     * off. An admitted job is judged again while it waits and when a slot takes it; one that can no longer
     * make its deadline is answered the same way then, unrun (see {@link CapabilityLane}).
     */
    private Optional<Outcome.Failed> tooLate(CapabilityLane lane, Job job) {
        Duration wait = lane.expectedWait();
        if (wait.isZero() || !lane.serviceTimeObserved()) {
            // nothing to wait for, or no job ran yet to say how long one takes: admitted (the queue bound still holds)
            return Optional.empty();
        }
        double planned = lane.plannedServiceMillis();
        Duration service = Duration.ofMillis((long) Math.ceil(planned));
        Duration left = job.timeLeft();
        Duration needed = wait.plus(service);
        if (needed.compareTo(left) <= 0) {
            return Optional.empty();
        }
        Duration retry = needed.minus(left);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("expected_wait_ms", wait.toMillis());
        details.put("service_ms", service.toMillis());
        details.put("time_left_ms", left.toMillis());
        details.put("queue_depth", lane.depth());
        return Optional.of(new Outcome.Failed(429, "overloaded", job.capability() + " is too busy to serve this job before its deadline:"
                + " expected wait " + wait.toMillis() + " ms (" + lane.running() + " running, " + lane.depth() + " queued, " + Math.round(planned)
                + " ms each) plus its run leave none of its " + left.toMillis() + " ms", nodeId, Optional.empty(),
                Optional.of(retry.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : retry), details));
    }

    /**
     * Admission by the job's own run: a job that recent runs of jobs like it on this lane say would end past its
     * deadline ({@link CapabilityLane#ownRunTooLong}) is refused now with 429 {@code overloaded}, even when a slot
     * is free for it, rather than run into a 504 (a page that takes longer than its deadline on a machine slowed
     * by other work). {@code Retry-After} is how long this lane would refuse it on those runs alone; with a
     * longer {@code X-Request-Timeout} it may be served at once. Costs two volatile reads on a lane of short jobs.
     */
    private Optional<Outcome.Failed> runTooLong(CapabilityLane lane, Job job) {
        Optional<RecentRuns.Refusal> refusal = lane.ownRunTooLong(job);
        if (refusal.isEmpty()) {
            return Optional.empty();
        }
        RecentRuns.Refusal why = refusal.get();
        long left = job.timeLeft().toMillis();
        long service = (long) Math.ceil(why.runMillis());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("expected_wait_ms", 0L);
        details.put("service_ms", service);
        details.put("time_left_ms", left);
        details.put("queue_depth", lane.depth());
        details.put("runs_too_long", why.misses());
        details.put("runs_compared", why.comparable());
        Duration retry = Duration.ofMillis(why.retryMillis());
        return Optional.of(new Outcome.Failed(429, "overloaded", job.capability() + " cannot serve this job before its deadline: "
                + why.misses() + " of its last " + why.comparable() + " runs of jobs this size took longer than the " + left
                + " ms it has (" + service + " ms or more); a longer X-Request-Timeout may be served", nodeId, Optional.empty(),
                Optional.of(retry.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : retry), details));
    }

    /** Whether any provider matches: a loop, since a stream pipeline per check cost about 3 % of a no-op job's CPU. */
    private static boolean any(List<ProviderSlot> slots, Predicate<ProviderSlot> test) {
        for (ProviderSlot slot : slots) {
            if (test.test(slot)) {
                return true;
            }
        }
        return false;
    }

    private static long largestInput(List<ProviderSlot> candidates, Asked asked) {
        return candidates.stream().filter(slot -> offers(slot, asked)).mapToLong(ProviderSlot::maxInputBytes).max().orElse(0);
    }

    /** Whether a provider takes a job's input size ({@link ProviderDescription#maxInputBytes()}). */
    static boolean takesSize(ProviderSlot slot, Job job) {
        return job.input().size() <= slot.maxInputBytes();
    }

    /**
     * The largest input a job for {@code capability} may bring to this node: the largest
     * {@link ProviderDescription#maxInputBytes()} among its usable providers ({@code provider} alone when
     * the job names one), 0 when none. The HTTP edge refuses a larger body (413) before reading it.
     */
    public long maxInputBytes(Capability capability, Optional<String> provider) {
        CapabilityLane lane = lanes.get(capability);
        List<ProviderSlot> usable = lane != null ? lane.usableProviders() : plugins.inventory().usable(capability);
        long largest = 0;
        for (ProviderSlot slot : usable) {
            if (provider.isEmpty() || slot.id().equals(provider.get())) {
                largest = Math.max(largest, slot.maxInputBytes());
            }
        }
        return largest;
    }

    private Admission refused(Capability capability, String reason, Outcome.Failed outcome) {
        metrics.refused(capability, reason);
        return new Admission.Refused(outcome);
    }

    /** Whether a live provider offers the model, language and voice a job asks for (see {@link Asked}). */
    static boolean offers(ProviderSlot slot, Asked asked) {
        Optional<ProviderDescription> description = slot.description();
        return description.isPresent()
                && asked.fits(description.get().models(), description.get().languages(), description.get().voices());
    }

    /**
     * Whether a live provider takes input of this media type: one it lists, or one matching a
     * {@code type/*} or {@code *}{@code /*} it lists; an empty list takes any. An empty body or
     * {@code application/octet-stream} (the caller did not say) is left to the provider to judge.
     */
    static boolean accepts(ProviderSlot slot, Payload input) {
        Optional<ProviderDescription> description = slot.description();
        if (description.isEmpty()) {
            return false;
        }
        List<String> accepted = description.get().accepts();
        String type = input.baseType();
        if (accepted.isEmpty() || input.size() == 0 || type.equals(Payload.OCTETS)) {
            return true;
        }
        for (String entry : accepted) {
            String base = entry.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (base.equals(type) || base.equals("*/*")
                    || (base.endsWith("/*") && type.startsWith(base.substring(0, base.length() - 1)))) {
                return true;
            }
        }
        return false;
    }

    /** Whether this node could serve the job now without queueing behind a full lane. */
    public boolean hasHeadroom(Capability capability) {
        CapabilityLane lane = lanes.get(capability);
        return lane != null && lane.depth() < lane.settings().queueCapacity();
    }

    /** Whether a job of {@code capability} admitted now would start at once, without queueing behind others. */
    public boolean hasFreeSlot(Capability capability) {
        CapabilityLane lane = lanes.get(capability);
        return lane != null && lane.hasFreeSlot();
    }

    /** How many jobs of {@code capability} this node runs at once; 0 when it has no usable provider of it. */
    public int concurrency(Capability capability) {
        CapabilityLane lane = lanes.get(capability);
        return lane == null || lane.usableProviders().isEmpty() ? 0 : lane.capacity();
    }

    /** Recent service time of a capability, milliseconds; 0 when it never ran here. */
    public double serviceTimeMillis(Capability capability) {
        CapabilityLane lane = lanes.get(capability);
        return lane == null ? 0 : lane.serviceTimeMillis();
    }

    @Override
    public Map<String, Integer> queueDepth() {
        Map<String, Integer> depth = new TreeMap<>();
        lanes.forEach((capability, lane) -> depth.put(capability.name(), lane.depth()));
        return depth;
    }

    @Override
    public Map<String, Integer> inflight() {
        Map<String, Integer> inflight = new TreeMap<>();
        lanes.forEach((capability, lane) -> inflight.put(capability.name(), lane.running()));
        return inflight;
    }

    /** Stops taking jobs, waits up to {@code grace} for running ones, then refuses what is still queued. */
    public void drainAndClose(Duration grace) {
        synchronized (this) {
            closed = true;
        }
        long end = System.nanoTime() + grace.toNanos();
        for (CapabilityLane lane : lanes.values()) {
            try {
                lane.awaitIdle(Duration.ofNanos(Math.max(0, end - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        close();
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        lanes.values().forEach(CapabilityLane::close);
        deadlines.close();
        idleMemory.close();
    }

    /** Jobs finished here since the node started, per capability (for the fabric's heartbeats). */
    public JobMetrics.Totals jobTotals() {
        return metrics.totals();
    }
}
