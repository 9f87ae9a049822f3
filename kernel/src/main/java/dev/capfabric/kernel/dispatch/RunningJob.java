package dev.capfabric.kernel.dispatch;

import dev.capfabric.kernel.plugins.ProviderSlot;

import static java.util.Objects.requireNonNull;

/**
 * A job inside a provider's {@code handle}, and the thread that runs it: what the lane interrupts when
 * the job is no longer wanted and writes off when it never returns.
 *
 * <p>The thread is interrupted only while it still runs this job (never the next one it picks up), and
 * an interrupt the lane delivered is cleared again when the job returns, so a worker or a request
 * thread goes on uninterrupted. A job either finishes or is written off, never both: whichever comes
 * first decides who gives its slot back.
 */
final class RunningJob {

    final QueuedJob job;
    final ProviderSlot provider;
    final Thread thread;
    /** The worker's index in its lane, or -1 for a job its caller runs. */
    final int worker;
    final long startNanos = System.nanoTime();

    private boolean finished; // guarded by this
    private boolean writtenOff; // guarded by this
    private boolean interrupted; // guarded by this

    RunningJob(QueuedJob job, ProviderSlot provider, Thread thread, int worker) {
        this.job = requireNonNull(job, "job is null");
        this.provider = requireNonNull(provider, "provider is null");
        this.thread = requireNonNull(thread, "thread is null");
        this.worker = worker;
    }

    /** Interrupts the thread if it still runs this job; true the first time it does. */
    synchronized boolean interrupt() {
        if (finished || writtenOff || interrupted) {
            return false;
        }
        interrupted = true;
        thread.interrupt();
        return true;
    }

    /** Whether {@link #interrupt} reached the job while it ran. */
    synchronized boolean interrupted() {
        return interrupted;
    }

    /**
     * Called by the running thread when {@code handle} returned: true when the job still held its slot,
     * false when it had been written off (the slot was given back then). Clears an interrupt this job
     * delivered.
     */
    boolean finish() {
        boolean clear;
        boolean held;
        synchronized (this) {
            finished = true;
            clear = interrupted;
            held = !writtenOff;
        }
        if (clear) {
            Thread.interrupted();
        }
        return held;
    }

    /** Marks the job written off; false when it has finished meanwhile. */
    synchronized boolean writeOff() {
        if (finished || writtenOff) {
            return false;
        }
        writtenOff = true;
        return true;
    }
}
