package dev.capfabric.kernel.dispatch;

import dev.capfabric.spi.Job;

import java.util.concurrent.CompletableFuture;

import static java.util.Objects.requireNonNull;

/**
 * A job waiting in a capability's queue, with the future its caller waits on and the flag that
 * cancels it.
 */
final class QueuedJob {

    final Job job;
    final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    final long enqueuedNanos = System.nanoTime();
    // set when the lane handed the caller a slot to run the job on its own thread; read by that caller only
    boolean runByCaller;

    QueuedJob(Job job) {
        this.job = requireNonNull(job, "job is null");
    }
}
