package dev.capfabric.kernel.fabric;

import java.time.Clock;
import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * How many hedged second attempts routing may send: a token bucket that every offloaded job fills by
 * {@code maxFraction} of a token and every hedge empties by one, whose tokens expire {@code window}
 * after the job that brought them. So within any window the hedges sent are at most
 * {@code maxFraction} of the jobs offloaded in it: however slow the fleet turns, hedging adds at most
 * that share to its load, and a quiet hour stores no hedges for a burst to spend.
 *
 * <p>Time comes from the injected clock; the window is kept as {@value #SLOTS} slots, so a job
 * counts for between nine and ten tenths of the window after it was offloaded.
 */
final class HedgeBudget {

    static final int SLOTS = 10;

    private final double maxFraction;
    private final long slotMillis;
    private final Clock clock;
    private final long[] jobs = new long[SLOTS];
    private final long[] hedges = new long[SLOTS];
    private long slot = Long.MIN_VALUE; // the clock's slot the counts end with; guarded by this

    HedgeBudget(double maxFraction, Duration window, Clock clock) {
        if (!(maxFraction >= 0 && maxFraction <= 1)) {
            throw new IllegalArgumentException("maxFraction must be between 0 and 1");
        }
        this.maxFraction = maxFraction;
        this.slotMillis = Math.max(1, requireNonNull(window, "window is null").toMillis() / SLOTS);
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** A job was offloaded: it earns {@code maxFraction} of a hedge for the window. */
    synchronized void offloaded() {
        jobs[advance()]++;
    }

    /** Takes one hedge when the window's jobs earned one not spent yet; false leaves the budget as it was. */
    synchronized boolean tryTake() {
        int now = advance();
        long jobsInWindow = 0;
        long hedgesInWindow = 0;
        for (int i = 0; i < SLOTS; i++) {
            jobsInWindow += jobs[i];
            hedgesInWindow += hedges[i];
        }
        // the epsilon: 20 jobs at 5 % earn one whole hedge, whatever the rounding of 20 × 0.05
        if (jobsInWindow * maxFraction - hedgesInWindow < 1 - 1e-9) {
            return false;
        }
        hedges[now]++;
        return true;
    }

    /** Moves the window to the clock's slot, forgetting what fell out of it; returns that slot's index. */
    private int advance() {
        long current = Math.floorDiv(clock.millis(), slotMillis);
        if (slot == Long.MIN_VALUE || current - slot >= SLOTS) {
            java.util.Arrays.fill(jobs, 0);
            java.util.Arrays.fill(hedges, 0);
        } else {
            for (long s = slot + 1; s <= current; s++) {
                int i = (int) Math.floorMod(s, SLOTS);
                jobs[i] = 0;
                hedges[i] = 0;
            }
        }
        // a clock stepped back keeps the slot it had: counts are never put in a slot already forgotten
        slot = Math.max(slot, current);
        return (int) Math.floorMod(slot, SLOTS);
    }
}
