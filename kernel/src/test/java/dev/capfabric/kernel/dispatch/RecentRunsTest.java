package dev.capfabric.kernel.dispatch;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whether a job's own run fits its deadline, on made-up lanes: the rule admission applies even to a job that
 * finds a slot free.
 */
class RecentRunsTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long NOW = 1_000 * SECOND;

    // each run made up ends 25 ms after the one before (not together), within the last 0.6 s before NOW
    private long ended = NOW - 600_000_000L;

    private RecentRuns.Run ran(double millis, long bytes) {
        ended += 25_000_000;
        return new RecentRuns.Run(ended, bytes, millis, false, 60_000);
    }

    private RecentRuns.Run cut(double millis) {
        ended += 25_000_000;
        return new RecentRuns.Run(ended, 100, millis, true, millis);
    }

    private static Optional<RecentRuns.Refusal> judge(RecentRuns runs, double leftMillis) {
        return judge(runs, 100, leftMillis, List.of());
    }

    private static Optional<RecentRuns.Refusal> judge(RecentRuns runs, long bytes, double leftMillis, List<RecentRuns.Ongoing> running) {
        assertTrue(runs.judgeable(NOW), "judgeable");
        return runs.judge(NOW, bytes, leftMillis, running);
    }

    @Test
    void noHistoryNoRefusal() {
        RecentRuns runs = new RecentRuns();
        assertFalse(runs.judgeable(NOW));
        assertTrue(runs.judge(NOW, 100, 1, List.of(new RecentRuns.Ongoing(100, 5000), new RecentRuns.Ongoing(100, 5000))).isEmpty(),
                "jobs running long say nothing until runs have ended: the lane learns first");
        runs.add(ran(5000, 100));
        assertFalse(runs.judgeable(NOW), "one run alone may be an outlier");
    }

    @Test
    void shortRunsAreNotKeptSoALaneOfShortJobsPaysTwoReads() {
        RecentRuns runs = new RecentRuns();
        for (int i = 0; i < 50; i++) {
            runs.add(ran(RecentRuns.KEPT_FROM_MILLIS - 1, 100));
        }
        assertFalse(runs.judgeable(NOW));
    }

    @Test
    void twoRunsLongerThanTheTimeLeftRefuseAJob() {
        RecentRuns runs = new RecentRuns();
        runs.add(ran(1000, 100));
        runs.add(ran(1200, 100));
        RecentRuns.Refusal refusal = judge(runs, 900).orElseThrow();
        assertEquals(2, refusal.misses());
        assertEquals(2, refusal.comparable());
        assertEquals(1000, refusal.runMillis(), 1e-9);
        assertTrue(judge(runs, 1100).isEmpty(), "only one of them was longer than 1100 ms");
        assertTrue(judge(runs, 5000).isEmpty());
    }

    @Test
    void theNinetiethPercentileOfComparableRunsDecides() {
        RecentRuns runs = new RecentRuns();
        for (int i = 0; i < 18; i++) {
            runs.add(ran(100, 100));
        }
        runs.add(ran(1000, 100));
        runs.add(ran(1000, 100));
        assertTrue(judge(runs, 500).isEmpty(), "2 of 20 runs too long: the 90th percentile (the 18th shortest) fits");
        runs.add(ran(1000, 100)); // overwrites the oldest: 17 short, 3 long
        assertEquals(3, judge(runs, 500).orElseThrow().misses());
        RecentRuns few = new RecentRuns();
        for (int i = 0; i < 5; i++) {
            few.add(ran(100, 100));
        }
        few.add(ran(1000, 100));
        few.add(ran(1000, 100));
        assertTrue(judge(few, 500).isPresent(), "2 of 7 is more than a tenth");
    }

    @Test
    void theLastTwoRunsMakingItShowAMachineThatIsFastAgain() {
        RecentRuns runs = new RecentRuns();
        runs.add(new RecentRuns.Run(NOW - 9 * SECOND, 100, 4000, false, 10_000)); // the process was stopped for a while
        runs.add(new RecentRuns.Run(NOW - 8 * SECOND, 100, 4000, false, 10_000));
        runs.add(new RecentRuns.Run(NOW - 7 * SECOND, 100, 4000, false, 10_000));
        assertTrue(judge(runs, 2000).isPresent());
        runs.add(new RecentRuns.Run(NOW - 2 * SECOND, 100, 200, false, 10_000));
        assertTrue(judge(runs, 2000).isPresent(), "one fast run may be luck");
        runs.add(new RecentRuns.Run(NOW - SECOND, 100, 200, false, 10_000));
        assertTrue(judge(runs, 2000).isEmpty(), "two are the machine back at speed");
        assertTrue(judge(runs, 100, 2000, List.of(new RecentRuns.Ongoing(100, 2500), new RecentRuns.Ongoing(100, 2600))).isPresent(),
                "unless jobs running now have run longer than the time left");
    }

    @Test
    void runsEndingTogetherAreOneStopOfTheProcessNotASlowMachine() {
        RecentRuns runs = new RecentRuns();
        for (int i = 0; i < 4; i++) {
            // a worker stopped (SIGSTOP) for 4 s: all four jobs it ran end as it resumes
            runs.add(new RecentRuns.Run(NOW - SECOND + i * 3_000_000L, 100, 4000, false, 10_000));
        }
        assertTrue(judge(runs, 2000).isEmpty(), "one stop, counted once");
        runs.add(new RecentRuns.Run(NOW - SECOND / 2, 100, 4000, false, 10_000));
        assertTrue(judge(runs, 2000).isPresent(), "a second long run, on its own, is a slow machine");
    }

    @Test
    void runsOfLargerJobsSayNothingOfASmallOne() {
        RecentRuns runs = new RecentRuns();
        for (int i = 0; i < 3; i++) {
            runs.add(ran(60_000, 10_000_000)); // an hour of speech
        }
        assertTrue(judge(runs, 100_000, 20_000, List.of()).isEmpty(), "a clip is not judged by hour-long recordings");
        assertTrue(judge(runs, 10_000_000, 20_000, List.of()).isPresent(), "another hour is");
        assertTrue(judge(runs, 8_000_000, 20_000, List.of()).isPresent(), "nor one a little smaller (within a quarter)");
        // a run of a smaller job counts against a larger one: it is at least as long
        RecentRuns small = new RecentRuns();
        small.add(ran(3000, 1000));
        small.add(ran(3000, 1000));
        assertTrue(judge(small, 10_000_000, 2000, List.of()).isPresent());
    }

    @Test
    void aRunCutAtItsDeadlineCountsAgainstJobsWithLittleMoreTime() {
        RecentRuns runs = new RecentRuns();
        // admitted with 20 s left, cut at the deadline after 19.99 s of running: the jobs of an overload all look like this
        runs.add(cut(19_990));
        runs.add(cut(19_995));
        assertTrue(judge(runs, 20_005).isPresent(), "a job with the same deadline would miss it too, though it has a little more time");
        assertTrue(judge(runs, 21_900).isPresent());
        assertTrue(judge(runs, 25_000).isEmpty(), "a job with a quarter more time may make it");
        // cut after 5 s of running (it had waited in a queue first): it says nothing of a job with 10 s
        RecentRuns queued = new RecentRuns();
        queued.add(cut(5000));
        queued.add(cut(5000));
        assertTrue(judge(queued, 10_000).isEmpty());
        assertTrue(judge(queued, 5200).isPresent());
    }

    @Test
    void aLaneFailingMostOfItsJobsRefusesJobsGivenNoMoreTimeThanThey() {
        // admitted with 20 s each, the jobs waited 12-15 s for a slot and were cut after the 5-8 s left: the machine
        // slowed down too far for what is left after a wait, though no run shows a 20 s job would miss
        RecentRuns failing = new RecentRuns();
        failing.add(new RecentRuns.Run(NOW - 3 * SECOND, 100, 2000, false, 20_000));
        failing.add(new RecentRuns.Run(NOW - 2 * SECOND, 100, 5000, true, 20_000));
        failing.add(new RecentRuns.Run(NOW - SECOND, 100, 8000, true, 20_000));
        assertTrue(judge(failing, 20_000).isPresent(), "2 of 3 runs failed with as much time");
        assertTrue(judge(failing, 30_000).isEmpty(), "a job given half as much again may make it");
        // the same two cut runs before several that ended in time: the lane is not failing, and they say nothing of 20 s
        RecentRuns healthy = new RecentRuns();
        healthy.add(new RecentRuns.Run(NOW - 9 * SECOND, 100, 5000, true, 20_000));
        healthy.add(new RecentRuns.Run(NOW - 8 * SECOND, 100, 8000, true, 20_000));
        for (int i = 0; i < 6; i++) {
            healthy.add(ran(2000, 100));
        }
        assertTrue(judge(healthy, 20_000).isEmpty(), "the last runs ended in time");
    }

    @Test
    void jobsRunningPastTheTimeLeftCountBeforeTheyEnd() {
        RecentRuns runs = new RecentRuns();
        runs.add(ran(100, 100));
        runs.add(ran(100, 100));
        runs.add(ran(100, 100));
        assertTrue(judge(runs, 100, 1500, List.of(new RecentRuns.Ongoing(100, 2000))).isEmpty(), "one slow job may be an outlier");
        RecentRuns.Refusal refusal = judge(runs, 100, 1500, List.of(new RecentRuns.Ongoing(100, 2000),
                new RecentRuns.Ongoing(100, 1800), new RecentRuns.Ongoing(100, 300))).orElseThrow();
        assertEquals(2, refusal.misses());
        assertEquals(5, refusal.comparable());
        assertEquals(1800, refusal.runMillis(), 1e-9);
        assertTrue(judge(runs, 100, 1500, List.of(new RecentRuns.Ongoing(5_000_000, 2000),
                new RecentRuns.Ongoing(5_000_000, 1800))).isEmpty(), "large jobs running long say nothing of a small one");
    }

    @Test
    void runsAgeOutSoALaneThatRefusedEverythingRunsAJobAgain() {
        RecentRuns runs = new RecentRuns();
        // 20 s pages: they count for a minute after they ended
        runs.add(new RecentRuns.Run(NOW - SECOND, 100, 20_000, true, 20_000));
        runs.add(new RecentRuns.Run(NOW, 100, 20_000, true, 20_000));
        assertTrue(runs.judgeable(NOW + 58 * SECOND));
        assertTrue(runs.judge(NOW + 58 * SECOND, 100, 20_000, List.of()).isPresent());
        assertFalse(runs.judgeable(NOW + 61 * SECOND), "after three runs' time the lane takes such a job again, to learn");
        assertTrue(runs.judge(NOW + 61 * SECOND, 100, 20_000, List.of()).isEmpty());
        // a process stopped for 4 s: its runs of that time count for 12 s, not longer
        RecentRuns stopped = new RecentRuns();
        stopped.add(new RecentRuns.Run(NOW, 100, 4000, false, 10_000));
        stopped.add(new RecentRuns.Run(NOW, 100, 4000, false, 10_000));
        assertTrue(stopped.judgeable(NOW + 11 * SECOND));
        assertFalse(stopped.judgeable(NOW + 13 * SECOND));
    }

    @Test
    void retryAfterIsWhenAllButOneOfTheRunsThatRefuseHaveAgedOut() {
        RecentRuns runs = new RecentRuns();
        runs.add(new RecentRuns.Run(NOW - 20 * SECOND, 100, 20_000, false, 60_000)); // counts until NOW + 40 s
        runs.add(new RecentRuns.Run(NOW - 10 * SECOND, 100, 20_000, false, 60_000)); // until NOW + 50 s
        runs.add(new RecentRuns.Run(NOW - 5 * SECOND, 100, 20_000, false, 60_000));  // until NOW + 55 s
        assertEquals(50_000, runs.judge(NOW, 100, 15_000, List.of()).orElseThrow().retryMillis());
    }
}
