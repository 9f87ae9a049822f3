package dev.capfabric.kernel.dispatch;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

import static java.util.Objects.requireNonNull;

/**
 * Gives memory back once the node has been idle for a while after work: one full collection, after
 * which the JVM returns the heap it grew under load to the system.
 *
 * <p>Why: under load the heap grows to what the peak needed (request and result bytes, engines'
 * buffers); the collectors shrink it only when they run, and an idle node allocates nothing, so nothing
 * runs: measured after a tts overload, the node kept 1.07 GB resident for as long as it stayed idle.
 * With {@code bin/capfabric}'s ParallelGC options ({@code -XX:MaxHeapFreeRatio=50 -XX:-ShrinkHeapInSteps})
 * a full collection shrinks the heap at once; G1 shrinks after one too. Native memory freed by engines
 * goes back through {@code -XX:TrimNativeHeapInterval}.
 *
 * <p>One collection per busy period, and only once no job has been admitted for {@code idleAfter} and
 * none is running or queued: a node under steady load never sees one. A tick every few seconds reads
 * one counter.
 */
final class IdleMemoryRelease implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(IdleMemoryRelease.class.getName());

    private final Duration idleAfter;
    private final BooleanSupplier idle;
    private final LongAdder admitted = new LongAdder();
    private final ScheduledExecutorService ticks;
    private long seen; // ticking thread only
    private long lastActiveNanos = System.nanoTime(); // ticking thread only
    private boolean pending; // ticking thread only

    /**
     * @param idleAfter how long without a new job before memory is given back; zero switches it off
     * @param idle      whether no job is running or queued now
     */
    IdleMemoryRelease(Duration idleAfter, BooleanSupplier idle) {
        this.idleAfter = requireNonNull(idleAfter, "idleAfter is null");
        this.idle = requireNonNull(idle, "idle is null");
        if (idleAfter.isZero()) {
            this.ticks = null;
            return;
        }
        this.ticks = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("capfabric-idle-memory").daemon().factory());
        long period = Math.max(1000, Math.min(5000, idleAfter.toMillis() / 3));
        ticks.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
    }

    /** Counts a job admitted: the node is busy. */
    void admitted() {
        admitted.increment();
    }

    private void tick() {
        try {
            long count = admitted.sum();
            long now = System.nanoTime();
            if (count != seen) {
                seen = count;
                lastActiveNanos = now;
                pending = true;
                return;
            }
            if (pending && now - lastActiveNanos >= idleAfter.toNanos() && idle.getAsBoolean()) {
                pending = false;
                release();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "idle memory release failed", e);
        }
    }

    private void release() {
        MemoryUsage before = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long start = System.nanoTime();
        System.gc();
        MemoryUsage after = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        LOG.log(System.Logger.Level.INFO, "idle for {0} s after work: heap committed {1} MB -> {2} MB (used {3} -> {4} MB, {5} ms)",
                idleAfter.toSeconds(), before.getCommitted() >> 20, after.getCommitted() >> 20, before.getUsed() >> 20,
                after.getUsed() >> 20, (System.nanoTime() - start) / 1_000_000);
    }

    @Override
    public void close() {
        if (ticks != null) {
            ticks.shutdownNow();
        }
    }
}
