package dev.capfabric.kernel.dispatch;

import dev.capfabric.kernel.plugins.ProviderSlot;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.ProviderDescription;
import dev.capfabric.spi.ProviderDescription.Threading;
import dev.capfabric.spi.Result;
import org.jctools.queues.MpmcArrayQueue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * One capability's bounded queue and the worker threads that drain it.
 *
 * <p>The queue is a JCTools {@link MpmcArrayQueue}: many request threads offer (multi-producer) and
 * several workers poll (multi-consumer), both without locks; a full queue refuses at once. As many
 * jobs run at once as the capability's usable providers declare they can (capped): each running job
 * holds one of that many slots. Workers are platform threads, one per slot, so a provider blocked in
 * native code holds its own thread and never a virtual thread's carrier. Idle workers park instead
 * of spinning, and each queued job wakes at most one ({@link ParkedWorkers}).
 *
 * <p>When every provider of the capability declares {@link Threading#VIRTUAL} (it waits only in Java,
 * as remote adapters do), the lane runs callers' jobs on their own threads: a caller that will wait
 * for its job anyway, finding the queue empty and a slot free, takes the slot and runs the job itself
 * ({@link #offer(QueuedJob, boolean)}, {@link #await}), which spares two thread hand-offs per job.
 * Jobs that find no free slot queue as before, for workers that are then virtual threads themselves.
 */
final class CapabilityLane implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(CapabilityLane.class.getName());
    // an idle worker looks around this often even unwoken: a safety net, not the way jobs reach it
    private static final Duration IDLE_CHECK = Duration.ofMillis(500);

    private final Capability capability;
    private final String nodeId;
    private final DispatchSettings settings;
    private final Supplier<List<ProviderSlot>> providers;
    private final JobMetrics metrics;
    private final DeadlineSweeper deadlines;
    private final MpmcArrayQueue<QueuedJob> queue;
    private final ParkedWorkers idle = new ParkedWorkers();
    private final AtomicInteger running = new AtomicInteger();
    // slots taken by workers and callers running jobs; at most targetWorkers
    private final AtomicInteger slots = new AtomicInteger();
    private final ServiceTime serviceTime = new ServiceTime(100);
    private final List<Thread> workers = new ArrayList<>();
    private volatile int targetWorkers;
    // callers may run jobs on their own threads (every provider declares VIRTUAL threading)
    private volatile boolean callerRuns;
    // bumped when workers must change kind; workers of an older generation leave after their job
    private volatile int generation;
    private volatile boolean closed;

    CapabilityLane(Capability capability, String nodeId, DispatchSettings settings, Supplier<List<ProviderSlot>> providers,
                   List<ProviderSlot> installed, JobMetrics metrics, DeadlineSweeper deadlines) {
        this.capability = requireNonNull(capability, "capability is null");
        this.nodeId = requireNonNull(nodeId, "nodeId is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.providers = requireNonNull(providers, "providers is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.deadlines = requireNonNull(deadlines, "deadlines is null");
        this.queue = new MpmcArrayQueue<>(Math.max(2, settings.queueCapacity()));
        resize(installed);
    }

    DispatchSettings settings() {
        return settings;
    }

    /** The capability's usable providers, preferred first. */
    List<ProviderSlot> usableProviders() {
        return providers.get();
    }

    /**
     * Admits a job; false when the queue is full (or the lane closed). A caller that will wait for the
     * job in {@link #await} ({@code callerWaits}) may be handed a slot to run it on its own thread
     * instead of queueing it; it must then call {@code await}, which runs it.
     */
    boolean offer(QueuedJob job, boolean callerWaits) {
        if (closed) {
            return false;
        }
        if (callerWaits && callerRuns && queue.isEmpty() && tryTakeSlot()) {
            job.runByCaller = true;
            return true;
        }
        // MpmcArrayQueue rounds its capacity up to a power of two: enforce the configured bound ourselves
        if (queue.size() >= settings.queueCapacity() || !queue.offer(job)) {
            return false;
        }
        idle.wakeOne();
        return true;
    }

    /**
     * Waits for an admitted job's outcome until the job's deadline; a job whose caller was handed a slot
     * runs now, on the calling thread. Giving up (deadline, interrupt) marks the job cancelled, so a
     * queued job is dropped and a running one asked to stop.
     */
    Outcome await(QueuedJob job) {
        if (job.runByCaller) {
            // nobody else is waiting to give up at the deadline: the sweeper cancels the job then, as a waiting caller would
            deadlines.watch(job);
            try {
                run(job);
            } finally {
                deadlines.forget(job);
                releaseSlot();
            }
            if (job.job.timeLeft().isZero()) {
                return Outcome.Failed.of(504, "timeout", "the job did not finish before its deadline", nodeId);
            }
        }
        try {
            return job.outcome.get(Math.max(1, job.job.timeLeft().toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            cancel(job);
            return Outcome.Failed.of(504, "timeout", "the job did not finish before its deadline", nodeId);
        } catch (InterruptedException e) {
            cancel(job);
            Thread.currentThread().interrupt();
            return Outcome.Failed.of(503, "unavailable", "interrupted while waiting for the job", nodeId);
        } catch (ExecutionException e) {
            return Outcome.Failed.of(500, "internal", "the job failed: " + e.getCause(), nodeId);
        }
    }

    private static void cancel(QueuedJob job) {
        if (job.job.cancellation() instanceof CancellationFlag flag) {
            flag.cancel();
        }
    }

    private boolean tryTakeSlot() {
        for (int taken = slots.get(); taken < targetWorkers; taken = slots.get()) {
            if (slots.compareAndSet(taken, taken + 1)) {
                return true;
            }
        }
        return false;
    }

    private void releaseSlot() {
        slots.decrementAndGet();
        if (!queue.isEmpty()) {
            // a job queued while every slot was taken: its worker may be parked for want of a slot
            idle.wakeOne();
        }
    }

    int depth() {
        return queue.size();
    }

    int running() {
        return running.get();
    }

    double serviceTimeMillis() {
        return serviceTime.millis();
    }

    /** Estimated wait for a new job: the queue ahead of it, worked off by all workers. */
    Duration estimatedWait() {
        int workers = Math.max(1, targetWorkers);
        double millis = (queue.size() + running.get() + 1) * serviceTime.millis() / workers;
        return Duration.ofMillis((long) Math.ceil(millis));
    }

    /**
     * Matches the slots and workers to what the usable providers can run at once, and the workers'
     * kind to the providers' {@link Threading}: {@code installed} is every provider of the capability,
     * usable or not, so the kind does not flip with a provider's health.
     */
    synchronized void resize(List<ProviderSlot> installed) {
        int wanted = Math.min(settings.maxWorkers(), Math.max(1,
                providers.get().stream().mapToInt(ProviderSlot::concurrency).sum()));
        boolean virtual = !installed.isEmpty() && installed.stream().allMatch(CapabilityLane::runsOnVirtualThreads);
        if (virtual != callerRuns) {
            // workers of the other kind finish their job and leave; their slots keep the bound meanwhile
            callerRuns = virtual;
            generation++;
            workers.clear();
            idle.wakeAll();
        }
        targetWorkers = wanted;
        workers.removeIf(t -> !t.isAlive());
        while (workers.size() < wanted && !closed) {
            int index = workers.size();
            int workerGeneration = generation;
            Thread.Builder builder = virtual ? Thread.ofVirtual() : Thread.ofPlatform().daemon();
            Thread worker = builder.name("capfabric-" + capability + "-" + index)
                    .start(() -> work(index, workerGeneration));
            workers.add(worker);
        }
        if (workers.size() > wanted) {
            // surplus workers see their index above the target and leave after their current job
            idle.wakeAll();
        }
    }

    private static boolean runsOnVirtualThreads(ProviderSlot slot) {
        return slot.description().map(ProviderDescription::threading).orElse(Threading.PLATFORM) == Threading.VIRTUAL;
    }

    private void work(int index, int workerGeneration) {
        while (!closed) {
            if (index >= targetWorkers || workerGeneration != generation) {
                synchronized (this) {
                    if (index >= targetWorkers || workerGeneration != generation) {
                        workers.remove(Thread.currentThread());
                        return;
                    }
                }
            }
            QueuedJob next = null;
            if (!queue.isEmpty() && tryTakeSlot()) {
                try {
                    next = queue.poll();
                    if (next != null) {
                        run(next);
                    }
                } finally {
                    releaseSlot();
                }
            }
            if (next == null) {
                // a provider may have left the interrupt flag set, which would make parking return at once;
                // close() interrupts too, but sets closed first
                Thread.interrupted();
                idle.park(() -> (!queue.isEmpty() && slots.get() < targetWorkers) || closed
                        || index >= targetWorkers || workerGeneration != generation, IDLE_CHECK);
            }
        }
    }

    private void run(QueuedJob queuedJob) {
        if (queuedJob.job.cancellation().isCancelled()) {
            metrics.outcome(capability, "-", "cancelled", 0);
            queuedJob.outcome.complete(Outcome.Failed.of(499, "cancelled", "the caller went away before the job started", nodeId));
            return;
        }
        if (queuedJob.job.timeLeft().isZero()) {
            metrics.outcome(capability, "-", "expired", 0);
            queuedJob.outcome.complete(Outcome.Failed.of(504, "timeout",
                    "the job's deadline passed while it waited in the queue; it was not run", nodeId));
            return;
        }
        Optional<ProviderSlot> chosen = choose(queuedJob);
        if (chosen.isEmpty()) {
            queuedJob.outcome.complete(noProvider(queuedJob));
            return;
        }
        ProviderSlot slot = chosen.get();
        running.incrementAndGet();
        long start = System.nanoTime();
        Outcome outcome;
        try {
            Result result = slot.handle(queuedJob.job);
            if (result == null) {
                throw new IllegalStateException("provider returned no result");
            }
            outcome = new Outcome.Served(result, nodeId, slot.id());
        } catch (CapabilityException e) {
            outcome = new Outcome.Failed(e.kind().httpStatus(), e.kind().wireName(), e.getMessage(), nodeId,
                    Optional.of(slot.id()), e.kind() == CapabilityException.Kind.UNAVAILABLE ? Optional.of(Duration.ofSeconds(1)) : Optional.empty(),
                    Map.of("provider", slot.id()));
        } catch (RuntimeException | LinkageError e) {
            LOG.log(System.Logger.Level.WARNING, "provider " + slot.id() + " failed job " + queuedJob.job.id(), e);
            outcome = new Outcome.Failed(500, "internal", "provider " + slot.id() + " failed: " + e, nodeId,
                    Optional.of(slot.id()), Optional.empty(), Map.of("provider", slot.id()));
        } finally {
            running.decrementAndGet();
        }
        double millis = (System.nanoTime() - start) / 1e6;
        serviceTime.record(millis);
        metrics.outcome(capability, slot.id(), outcome instanceof Outcome.Served ? "served" : ((Outcome.Failed) outcome).kind(), millis);
        queuedJob.outcome.complete(outcome);
    }

    /**
     * Among the providers that offer the model and language the job asks for: the provider the job
     * named, else the most preferred one with a free slot, else the most preferred.
     */
    private Optional<ProviderSlot> choose(QueuedJob queuedJob) {
        Optional<String> named = queuedJob.job.parameter("provider");
        ProviderSlot preferred = null;
        for (ProviderSlot slot : providers.get()) {
            if (!Dispatcher.offers(slot, queuedJob.job)) {
                continue;
            }
            if (named.isPresent()) {
                if (slot.id().equals(named.get())) {
                    return Optional.of(slot);
                }
            } else if (slot.inflight() < slot.concurrency()) {
                return Optional.of(slot);
            } else if (preferred == null) {
                preferred = slot;
            }
        }
        return Optional.ofNullable(preferred);
    }

    private Outcome noProvider(QueuedJob queuedJob) {
        Optional<String> named = queuedJob.job.parameter("provider");
        String message = named.map(n -> "provider '" + n + "' is not usable for " + capability + " on this node")
                .orElse("no usable provider for " + capability + " on this node");
        return new Outcome.Failed(503, "unavailable", message, nodeId, named, Optional.of(Duration.ofSeconds(5)), Map.of());
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            workers.forEach(Thread::interrupt);
        }
        QueuedJob left;
        while ((left = queue.poll()) != null) {
            left.outcome.complete(new Outcome.Failed(503, "unavailable", "the node is shutting down", nodeId,
                    Optional.empty(), Optional.of(Duration.ofSeconds(1)), Map.of()));
        }
    }

    /** Waits up to {@code timeout} for running jobs to finish; returns whether they did. */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while ((running.get() > 0 || !queue.isEmpty()) && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        return running.get() == 0 && queue.isEmpty();
    }
}
