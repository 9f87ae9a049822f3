package dev.capfabric.kernel.dispatch;

import dev.capfabric.spi.Result;

/**
 * Whoever follows a running job: receives the progress and partial results its provider reports
 * through the job's {@link CancellationFlag}. Called on the provider's thread; must not throw and
 * should not block for long.
 */
public interface JobEvents {

    /** Progress, {@code fraction} already within 0 to 1. */
    void progress(double fraction, String message);

    /** One piece of the result, in the order the provider emitted them. */
    void partial(Result piece);

    /**
     * {@code count} events of the job were left out on their way here (a slow reader, or more or larger
     * events than the job's bounds allow); the result still holds the whole answer. Ignored by default.
     */
    default void dropped(int count) {
    }
}
