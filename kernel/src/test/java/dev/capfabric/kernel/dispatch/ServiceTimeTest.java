package dev.capfabric.kernel.dispatch;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The run time admission plans with: right for nearly every job (not on average), quick to follow a machine
 * that slowed down, and not thrown by one large job among small ones.
 */
class ServiceTimeTest {

    @Test
    void theFirstRunReplacesTheInitialGuess() {
        ServiceTime time = new ServiceTime(100);
        assertFalse(time.observed());
        assertEquals(100, time.planMillis(), 1e-9);
        time.record(10_000);
        assertTrue(time.observed());
        assertEquals(10_000, time.millis(), 1e-9);
        assertEquals(10_000, time.planMillis(), 1e-9);
    }

    @Test
    void aSteadyLanePlansNearTheTopOfItsRunsNotTheirAverage() {
        ServiceTime time = new ServiceTime(100);
        Random random = new Random(7);
        double[] runs = new double[200];
        for (int i = 0; i < runs.length; i++) {
            runs[i] = 2000 * (1 + 0.15 * random.nextGaussian());
            time.record(runs[i]);
        }
        // of the last 20 runs at most two were longer than the plan; the average is exceeded by about half
        int longer = 0;
        for (int i = runs.length - ServiceTime.WINDOW; i < runs.length; i++) {
            longer += runs[i] > time.planMillis() ? 1 : 0;
        }
        assertTrue(longer <= 2, "runs longer than the plan: " + longer);
        assertTrue(time.planMillis() > time.millis(), time.planMillis() + " vs average " + time.millis());
        assertTrue(time.planMillis() < 1.6 * 2000, "no wilder than the runs: " + time.planMillis());
    }

    @Test
    void aSlowingMachineRaisesThePlanWithinTwoRuns() {
        for (double slowdown : new double[] {1.5, 3, 5, 20}) {
            ServiceTime time = new ServiceTime(100);
            for (int i = 0; i < 50; i++) {
                time.record(2000);
            }
            time.record(2000 * slowdown);
            assertEquals(2000, time.planMillis(), 1e-9, "one slow run is not yet a slow machine (x" + slowdown + ")");
            time.record(2000 * slowdown);
            assertEquals(2000 * slowdown, time.planMillis(), 1e-9, "two are (x" + slowdown + ")");
            // the average would still plan with less than half of it
            assertTrue(time.millis() < time.planMillis());
        }
    }

    @Test
    void aMachineThatRecoversIsPlannedFastAgainOnceItsSlowRunsLeaveTheWindow() {
        ServiceTime time = new ServiceTime(100);
        for (int i = 0; i < 10; i++) {
            time.record(10_000);
        }
        for (int i = 0; i < ServiceTime.WINDOW - 3; i++) {
            time.record(2000);
        }
        assertEquals(10_000, time.planMillis(), 1e-9, "still three slow runs in the last twenty");
        time.record(2000);
        assertEquals(2000, time.planMillis(), 1e-9, "two slow runs in twenty are outliers");
    }

    @Test
    void burstySizesArePlannedForTheLargeJobsWhenTheyAreCommon() {
        // one large job in five: the plan covers it; one in twenty: it does not hold the small ones back
        for (int every : new int[] {2, 3, 5}) {
            ServiceTime time = new ServiceTime(100);
            for (int i = 0; i < 100; i++) {
                time.record(i % every == 0 ? 6000 : 1000);
            }
            assertEquals(6000, time.planMillis(), 1e-9, "one in " + every);
        }
        ServiceTime rare = new ServiceTime(100);
        for (int i = 0; i < 100; i++) {
            rare.record(i % 20 == 5 ? 6000 : 1000);
        }
        assertEquals(1000, rare.planMillis(), 1e-9);
    }

    @Test
    void thePlanIsThePercentileOfTheWindowAfterEveryRun() {
        // the window is kept sorted by moving one run in and one out per job: check it against sorting every time,
        // on steady, jittery, rising, falling and repeating runs
        Random random = new Random(7);
        for (int shape = 0; shape < 5; shape++) {
            ServiceTime time = new ServiceTime(100);
            java.util.ArrayDeque<Double> window = new java.util.ArrayDeque<>();
            for (int i = 0; i < 500; i++) {
                double run = switch (shape) {
                    case 0 -> 0.01 + random.nextDouble() * 0.005;
                    case 1 -> random.nextInt(4) == 0 ? 50 + random.nextInt(50) : 1 + random.nextInt(3);
                    case 2 -> 1 + i * 0.5;
                    case 3 -> 500 - i * 0.9;
                    default -> (i % 7) * 3;
                };
                time.record(run);
                window.addLast(run);
                if (window.size() > ServiceTime.WINDOW) {
                    window.removeFirst();
                }
                double[] sorted = window.stream().mapToDouble(Double::doubleValue).sorted().toArray();
                double percentile = sorted[Math.max(0, (int) Math.ceil(0.9 * sorted.length) - 1)];
                assertTrue(time.planMillis() >= percentile - 1e-12, "shape " + shape + " run " + i + ": plan "
                        + time.planMillis() + " below the percentile " + percentile);
                if (i >= 3) {
                    double[] last = {run, (double) window.toArray()[window.size() - 2], (double) window.toArray()[window.size() - 3]};
                    java.util.Arrays.sort(last);
                    assertEquals(Math.max(percentile, last[1]), time.planMillis(), 1e-12, "shape " + shape + " run " + i);
                }
            }
        }
    }
}
