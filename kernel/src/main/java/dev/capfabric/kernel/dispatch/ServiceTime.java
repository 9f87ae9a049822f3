package dev.capfabric.kernel.dispatch;

/**
 * An exponentially weighted moving average of how long jobs take, in milliseconds. Lock-free: one
 * volatile double updated by compare-and-set is plenty for a figure used to estimate waits.
 */
public final class ServiceTime {

    // each new job counts for a fifth: the estimate follows a change within about ten jobs
    private static final double WEIGHT = 0.2;

    private final java.util.concurrent.atomic.AtomicLong bits;
    private volatile boolean observed;

    public ServiceTime(double initialMillis) {
        this.bits = new java.util.concurrent.atomic.AtomicLong(Double.doubleToLongBits(initialMillis));
    }

    /** Adds one observation. */
    public void record(double millis) {
        if (!observed) {
            // the first job replaces the initial guess outright: blending a 10 s job into a 100 ms guess would
            // take a dozen jobs to be believed, and admission would trust the guess meanwhile
            observed = true;
            bits.set(Double.doubleToLongBits(millis));
            return;
        }
        long current;
        long next;
        do {
            current = bits.get();
            double value = Double.longBitsToDouble(current);
            next = Double.doubleToLongBits(value + WEIGHT * (millis - value));
        } while (!bits.compareAndSet(current, next));
    }

    /** Whether any job was recorded: until then {@link #millis()} is only the initial guess. */
    public boolean observed() {
        return observed;
    }

    /** The current estimate. */
    public double millis() {
        return Double.longBitsToDouble(bits.get());
    }
}
