package dev.capfabric.kernel.dispatch;

import dev.capfabric.spi.Job;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.util.Objects.requireNonNull;

/**
 * A job waiting in a capability's queue, with the future its caller waits on and the flag that
 * cancels it. It leaves the queue exactly once: taken by a slot, or answered by the lane without
 * running (late, shutting down), whichever comes first.
 */
final class QueuedJob {

    final Job job;
    final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    final long enqueuedNanos = System.nanoTime();
    // set when the lane handed the caller a slot to run the job on its own thread; read by that caller only
    boolean runByCaller;
    // set when the job was queued behind other work: admission then judged that its wait and run fit its deadline
    volatile boolean promised;
    private final AtomicBoolean settled = new AtomicBoolean();

    QueuedJob(Job job) {
        this.job = requireNonNull(job, "job is null");
    }

    /** Claims the job for a slot or for an answer without running it; false when it was claimed already. */
    boolean settle() {
        return settled.compareAndSet(false, true);
    }

    /** Whether the job still waits for a slot. */
    boolean waiting() {
        return !settled.get();
    }
}
