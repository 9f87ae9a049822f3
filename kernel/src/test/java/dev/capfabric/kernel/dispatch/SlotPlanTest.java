package dev.capfabric.kernel.dispatch;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Hands out a lane's slots to its queue, in order: how long a new job waits, and which queued jobs can no
 * longer end before their deadline.
 */
class SlotPlanTest {

    private static SlotPlan.Waiting<String> waiting(String name, double left) {
        return new SlotPlan.Waiting<>(name, left);
    }

    private static List<String> late(int capacity, double run, List<Double> elapsed, List<SlotPlan.Waiting<String>> queue) {
        return SlotPlan.late(capacity, run, elapsed, 0, queue).stream().map(SlotPlan.Late::job).toList();
    }

    @Test
    void aFreeSlotAndNoQueueMeanNoWait() {
        assertEquals(0, SlotPlan.waitBehind(2, 1000, List.of(300.0), 0, 0), 1e-9);
        assertEquals(0, SlotPlan.waitBehind(4, 1000, List.of(), 0, 0), 1e-9);
    }

    @Test
    void busySlotsAreNotAverages() {
        // two slots, both on jobs that just started: a new job waits a whole run, not half of one
        assertEquals(4000, SlotPlan.waitBehind(2, 4000, List.of(0.0, 0.0), 0, 0), 1e-9);
        // one ahead in the queue: it takes the first slot to free, the new job the second
        assertEquals(3000, SlotPlan.waitBehind(2, 4000, List.of(1000.0, 3000.0), 0, 1), 1e-9);
        // three ahead on two slots start at 1000, 3000 and 5000; the new job at 7000
        assertEquals(7000, SlotPlan.waitBehind(2, 4000, List.of(3000.0, 1000.0), 0, 3), 1e-9);
    }

    @Test
    void aJobThatOverrunsItsPlanIsAssumedToNeedAQuarterOfARunMore() {
        assertEquals(1000, SlotPlan.waitBehind(1, 4000, List.of(9000.0), 0, 0), 1e-9);
        assertEquals(1000, SlotPlan.waitBehind(1, 4000, List.of(3000.0), 0, 0), 1e-9);
        assertEquals(1500, SlotPlan.waitBehind(1, 4000, List.of(2500.0), 0, 0), 1e-9);
    }

    @Test
    void slotsTakenByNoVisibleJobCountAsAWholeRun() {
        assertEquals(2000, SlotPlan.waitBehind(1, 2000, List.of(), 1, 0), 1e-9);
        assertEquals(0, SlotPlan.waitBehind(2, 2000, List.of(), 1, 0), 1e-9);
        // more running than slots (a stuck job's replacement started): the latest to end frees no slot
        assertEquals(500, SlotPlan.waitBehind(2, 2000, List.of(1500.0, 1000.0, 0.0), 0, 0), 1e-9);
    }

    @Test
    void queuedJobsThatCannotEndInTimeAreLateAndTheOnesBehindMoveUp() {
        // one slot, 1000 ms runs, the running job has 500 ms left: starts at 500, 1500, 2500 ...
        List<SlotPlan.Late<String>> late = SlotPlan.late(1, 1000, List.of(500.0), 0, List.of(
                waiting("fits", 1500),        // 500 + 1000 = 1500: just in time
                waiting("too-short", 2000),   // would start at 1500 and end at 2500
                waiting("moves-up", 2500),    // starts at 1500 in its place, ends at 2500: in time
                waiting("patient", 60_000)));
        assertEquals(List.of("too-short"), late.stream().map(SlotPlan.Late::job).toList());
        assertEquals(1500, late.getFirst().startMillis(), 1e-9);
        assertEquals(500, late.getFirst().overMillis(), 1e-9);
        // several late in a row, on two slots
        assertEquals(List.of("b", "c", "e"), late(2, 1000, List.of(0.0, 0.0), List.of(waiting("a", 2000), waiting("b", 1500),
                waiting("c", 1999), waiting("d", 3000), waiting("e", 2999), waiting("f", 4000))));
    }

    @Test
    void aJobThatASlotCanTakeNowIsNeverLate() {
        // nothing was promised to a job that did not have to wait: it runs whatever its deadline
        assertEquals(List.of("next"), late(2, 5000, List.of(1000.0), List.of(waiting("short", 100), waiting("next", 100))));
    }

    @Test
    void aSlowingMachineMakesQueuedJobsLateOnlyOnceTheRunningOnesOverrun() {
        // admitted on 400 ms runs with 2500 ms to go; the running job has run 300, 1000, then 1500 ms (the plan follows it)
        assertEquals(List.of(), late(1, 400, List.of(300.0), List.of(waiting("a", 2200), waiting("b", 60_000))));
        assertEquals(List.of(), late(1, 1000, List.of(1000.0), List.of(waiting("a", 1500), waiting("b", 60_000))));
        assertEquals(List.of("a"), late(1, 1500, List.of(1500.0), List.of(waiting("a", 1000), waiting("b", 60_000))));
    }
}
