package dev.capfabric.kernel.dispatch;

import java.util.Arrays;

/**
 * How long a lane's jobs take, in milliseconds: an exponentially weighted moving average (the figure the
 * node reports and the fabric routes by, and what a job will likely take) and a {@link #planMillis() plan}
 * that admission holds a new job to.
 *
 * <p>The plan is the 90th percentile of the last {@value #WINDOW} runs, raised to the median of the last
 * three when that is longer. An average is wrong by design for admission: under sustained overload every
 * job admitted is admitted at the edge (its wait plus its run just fits its deadline), so with an unbiased
 * estimate about half of them miss it. The percentile covers jobs of varied size and the jitter of a busy
 * machine; the median of the last three follows a machine that slowed down (another workload took the
 * CPU) within two jobs, where the percentile would wait for several slow runs and the average for a dozen,
 * yet a single large job among small ones does not move it.
 *
 * <p>Thread-safe: recording takes a short lock; reading is lock-free.
 */
public final class ServiceTime {

    /** How many recent runs the plan is taken from. */
    static final int WINDOW = 20;
    // each new job counts for a fifth: the average follows a change within about ten jobs
    private static final double WEIGHT = 0.2;
    private static final double QUANTILE = 0.9;

    private final double[] recent = new double[WINDOW]; // guarded by this; a ring, oldest overwritten
    private final double[] sorted = new double[WINDOW]; // guarded by this; the runs in recent, shortest first
    private int recorded; // guarded by this
    private volatile double average;
    private volatile double plan;
    private volatile boolean observed;

    public ServiceTime(double initialMillis) {
        this.average = initialMillis;
        this.plan = initialMillis;
    }

    /** Adds one observation. */
    public synchronized void record(double millis) {
        // the first job replaces the initial guess outright: blending a 10 s job into a 100 ms guess would
        // take a dozen jobs to be believed, and admission would trust the guess meanwhile
        average = observed ? average + WEIGHT * (millis - average) : millis;
        int held = Math.min(recorded, WINDOW);
        if (recorded >= WINDOW) {
            // the run leaving the window leaves the sorted copy too: one binary search and a shift of at
            // most WINDOW values per job, where sorting a copy of the window cost a no-op job ~1.5 % of its CPU
            int at = Arrays.binarySearch(sorted, 0, held, recent[recorded % WINDOW]);
            System.arraycopy(sorted, at + 1, sorted, at, held - at - 1);
            held--;
        }
        recent[recorded % WINDOW] = millis;
        recorded++;
        int at = Arrays.binarySearch(sorted, 0, held, millis);
        at = at < 0 ? -at - 1 : at;
        System.arraycopy(sorted, at, sorted, at + 1, held - at);
        sorted[at] = millis;
        held++;
        // nearest rank: of 20 runs the 18th shortest, so two outliers in twenty do not move it
        double quantile = sorted[Math.max(0, (int) Math.ceil(QUANTILE * held) - 1)];
        plan = Math.max(quantile, medianOfLastThree());
        if (!observed) {
            observed = true; // once: a write per job to a field every admission reads costs more than this test
        }
    }

    // guarded by this; 0 until three runs are recorded
    private double medianOfLastThree() {
        if (recorded < 3) {
            return 0;
        }
        double a = recent[(recorded - 1) % WINDOW];
        double b = recent[(recorded - 2) % WINDOW];
        double c = recent[(recorded - 3) % WINDOW];
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }

    /** Whether any job was recorded: until then {@link #millis()} and {@link #planMillis()} are only the initial guess. */
    public boolean observed() {
        return observed;
    }

    /** The moving average: what a job takes on average lately, and so what the next will likely take. */
    public double millis() {
        return average;
    }

    /** The run time to plan a job with: most recent jobs took no longer (see the class comment). */
    public double planMillis() {
        return plan;
    }
}
