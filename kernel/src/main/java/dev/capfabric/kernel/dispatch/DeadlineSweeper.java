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
 * caller gives up on a queued job: nobody else waits for such a job, so nobody else would. Every
 * {@code period} it runs the checks of the lanes whose callers run jobs, and each lane looks over
 * the jobs it runs now ({@link CapabilityLane}), so tracking a job costs nothing beyond what the lane
 * keeps anyway, where a timer per job would cost a scheduled task and its cancellation on a path
 * that takes microseconds. The sweeping thread starts with the first check, so a node whose
 * providers all run on workers never wakes it. It also runs the lanes' one-off tasks ({@link #after}).
 */
final class DeadlineSweeper implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(DeadlineSweeper.class.getName());

    private final Set<Runnable> checks = ConcurrentHashMap.newKeySet();
    private final Duration period;
    private volatile ScheduledExecutorService sweeps;
    private boolean closed; // guarded by this

    DeadlineSweeper(Duration period) {
        this.period = requireNonNull(period, "period is null");
    }

    /** Runs {@code check} at every sweep until {@link #forget}; it must be short and cheap. */
    void watch(Runnable check) {
        checks.add(check);
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

    void forget(Runnable check) {
        checks.remove(check);
    }

    private void sweep() {
        for (Runnable check : checks) {
            try {
                check.run();
            } catch (RuntimeException e) {
                // one lane's failure must not end the sweeps (a scheduled task that throws is not run again)
                LOG.log(System.Logger.Level.WARNING, "a deadline check failed", e);
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
