package dev.capfabric.spi;

/**
 * Tells a provider that nobody waits for a job's result any more: the caller disconnected or the
 * deadline passed. A provider that works in steps checks it between steps and stops early;
 * the kernel discards whatever such a job returns.
 */
@FunctionalInterface
public interface Cancellation {

    /** True once the job's result is no longer wanted. Never goes back to false. */
    boolean isCancelled();

    /** A cancellation that never fires, for jobs built outside the kernel (tests, tools). */
    static Cancellation never() {
        return () -> false;
    }
}
