package dev.capfabric.kernel.dispatch;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * Cancels jobs that run on their caller's thread once their deadline has passed, as a waiting
 * caller gives up on a queued job: nobody else waits for such a job, so nobody else would. One
 * sweep every {@code period} looks at the jobs running so now; tracking a job costs two set
 * operations, cheaper than a timer per job on a path that takes microseconds. The sweeping thread
 * starts with the first job watched, so a node whose providers all run on workers never wakes it.
 */
final class DeadlineSweeper implements AutoCloseable {

    private final Set<QueuedJob> watched = ConcurrentHashMap.newKeySet();
    private final Duration period;
    private volatile ScheduledExecutorService sweeps;
    private boolean closed; // guarded by this

    DeadlineSweeper(Duration period) {
        this.period = requireNonNull(period, "period is null");
    }

    /** Watches {@code job} until {@link #forget}; a job already past its deadline is cancelled at the next sweep. */
    void watch(QueuedJob job) {
        watched.add(job);
        if (sweeps == null) {
            start();
        }
    }

    private synchronized void start() {
        if (sweeps == null && !closed) {
            ScheduledExecutorService started = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("capfabric-deadlines").daemon().factory());
            started.scheduleWithFixedDelay(this::sweep, period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
            sweeps = started;
        }
    }

    /** Runs {@code task} once after {@code delay}, on the sweeping thread: keep it short. */
    void after(Duration delay, Runnable task) {
        if (sweeps == null) {
            start();
        }
        ScheduledExecutorService running = sweeps;
        if (running != null && !running.isShutdown()) {
            try {
                running.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing: nothing left to write off
            }
        }
    }

    void forget(QueuedJob job) {
        watched.remove(job);
    }

    private void sweep() {
        for (QueuedJob job : watched) {
            if (job.job.timeLeft().isZero() && job.job.cancellation() instanceof CancellationFlag flag) {
                flag.cancel();
                watched.remove(job);
            }
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (sweeps != null) {
            sweeps.shutdownNow();
        }
    }
}
