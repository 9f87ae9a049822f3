package dev.capfabric.kernel.dispatch;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Workers with nothing to do, parked until a job arrives. Each queued job wakes at most one of them.
 *
 * <p>A semaphore counting queued jobs did this before; measured over HTTP, its shared-mode release
 * also woke workers that then found nothing and parked again (about 1.8 context switches per job for
 * the workers, with one job at a time), which on two cores cost more than the queue itself.
 *
 * <p>No wake-up is lost: a worker lists itself before it looks for work a last time, and whoever
 * queues a job does so before it looks for a listed worker. A stale wake-up only makes a worker look
 * once more.
 */
final class ParkedWorkers {

    private final ConcurrentLinkedQueue<Thread> parked = new ConcurrentLinkedQueue<>();

    /** Wakes one parked worker, if any; call after queueing a job. */
    void wakeOne() {
        Thread worker = parked.poll();
        if (worker != null) {
            LockSupport.unpark(worker);
        }
    }

    /** Wakes every parked worker (to shrink the pool or close). */
    void wakeAll() {
        for (Thread worker = parked.poll(); worker != null; worker = parked.poll()) {
            LockSupport.unpark(worker);
        }
    }

    /**
     * Parks the calling worker for up to {@code timeout}, unless {@code workWaiting} says there is
     * something to do once the worker is listed. Returns early on a wake-up or an interrupt.
     */
    void park(BooleanSupplier workWaiting, Duration timeout) {
        Thread self = Thread.currentThread();
        parked.add(self);
        try {
            if (!workWaiting.getAsBoolean()) {
                LockSupport.parkNanos(this, timeout.toNanos());
            }
        } finally {
            parked.remove(self);
        }
    }
}
