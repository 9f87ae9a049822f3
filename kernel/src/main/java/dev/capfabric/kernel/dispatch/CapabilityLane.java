package dev.capfabric.kernel.dispatch;

import dev.capfabric.kernel.plugins.ProviderSlot;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Result;
import org.jctools.queues.MpmcArrayQueue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * One capability's bounded queue and the worker threads that drain it.
 *
 * <p>The queue is a JCTools {@link MpmcArrayQueue}: many request threads offer (multi-producer) and
 * several workers poll (multi-consumer), both without locks; a full queue refuses at once. Workers
 * are platform threads, as many as the capability's usable providers declare they can run at once
 * (capped), so a provider blocked in native code holds its own thread and never a virtual thread's
 * carrier. Idle workers park instead of spinning, and each queued job wakes at most one
 * ({@link ParkedWorkers}).
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
    private final MpmcArrayQueue<QueuedJob> queue;
    private final ParkedWorkers idle = new ParkedWorkers();
    private final AtomicInteger running = new AtomicInteger();
    private final ServiceTime serviceTime = new ServiceTime(100);
    private final List<Thread> workers = new ArrayList<>();
    private volatile int targetWorkers;
    private volatile boolean closed;

    CapabilityLane(Capability capability, String nodeId, DispatchSettings settings, Supplier<List<ProviderSlot>> providers,
                   JobMetrics metrics) {
        this.capability = requireNonNull(capability, "capability is null");
        this.nodeId = requireNonNull(nodeId, "nodeId is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.providers = requireNonNull(providers, "providers is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.queue = new MpmcArrayQueue<>(Math.max(2, settings.queueCapacity()));
        resize();
    }

    DispatchSettings settings() {
        return settings;
    }

    /** The capability's usable providers, preferred first. */
    List<ProviderSlot> usableProviders() {
        return providers.get();
    }

    /** Queues a job; false when the queue is full (or the lane closed). */
    boolean offer(QueuedJob job) {
        // MpmcArrayQueue rounds its capacity up to a power of two: enforce the configured bound ourselves
        if (closed || queue.size() >= settings.queueCapacity() || !queue.offer(job)) {
            return false;
        }
        idle.wakeOne();
        return true;
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

    /** Matches the worker count to what the usable providers can run at once. */
    synchronized void resize() {
        int wanted = Math.min(settings.maxWorkers(), Math.max(1,
                providers.get().stream().mapToInt(ProviderSlot::concurrency).sum()));
        targetWorkers = wanted;
        workers.removeIf(t -> !t.isAlive());
        while (workers.size() < wanted && !closed) {
            int index = workers.size();
            Thread worker = Thread.ofPlatform().daemon().name("capfabric-" + capability + "-" + index)
                    .start(() -> work(index));
            workers.add(worker);
        }
        if (workers.size() > wanted) {
            // surplus workers see their index above the target and leave after their current job
            idle.wakeAll();
        }
    }

    private void work(int index) {
        while (!closed) {
            if (index >= targetWorkers) {
                synchronized (this) {
                    if (index >= targetWorkers) {
                        workers.remove(Thread.currentThread());
                        return;
                    }
                }
            }
            QueuedJob next = queue.poll();
            if (next != null) {
                run(next);
            } else {
                // a provider may have left the interrupt flag set, which would make parking return at once;
                // close() interrupts too, but sets closed first
                Thread.interrupted();
                idle.park(() -> !queue.isEmpty() || closed || index >= targetWorkers, IDLE_CHECK);
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
