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
}
