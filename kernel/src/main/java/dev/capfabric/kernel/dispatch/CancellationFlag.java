package dev.capfabric.kernel.dispatch;

import dev.capfabric.spi.Cancellation;

import java.util.concurrent.atomic.AtomicBoolean;

/** A {@link Cancellation} the kernel sets when nobody waits for a job any more. */
public final class CancellationFlag implements Cancellation {

    private final AtomicBoolean cancelled = new AtomicBoolean();

    /** Marks the job cancelled; a queued job is then dropped before it runs. */
    public void cancel() {
        cancelled.set(true);
    }

    @Override
    public boolean isCancelled() {
        return cancelled.get();
    }
}
