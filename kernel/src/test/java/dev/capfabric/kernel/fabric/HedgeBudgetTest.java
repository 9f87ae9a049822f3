package dev.capfabric.kernel.fabric;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HedgeBudgetTest {

    private final TestClock clock = new TestClock();

    private static int take(HedgeBudget budget, int asks) {
        int taken = 0;
        for (int i = 0; i < asks; i++) {
            taken += budget.tryTake() ? 1 : 0;
        }
        return taken;
    }

    @Test
    void noJobsEarnNoHedge() {
        HedgeBudget budget = new HedgeBudget(0.05, Duration.ofSeconds(10), clock);
        assertFalse(budget.tryTake(), "nothing offloaded, nothing to hedge with");
        for (int i = 0; i < 19; i++) {
            budget.offloaded();
        }
        assertFalse(budget.tryTake(), "19 jobs earn 0.95 of a hedge");
        budget.offloaded();
        assertTrue(budget.tryTake(), "the 20th earns the first");
        assertFalse(budget.tryTake(), "and it is spent");
    }

    @Test
    void hedgesStayWithinTheirShareOfTheJobsWhateverIsAsked() {
        HedgeBudget budget = new HedgeBudget(0.05, Duration.ofSeconds(10), clock);
        int hedges = 0;
        // 400 jobs over 4 s, each asking for a hedge (a uniformly slow fleet)
        for (int i = 0; i < 400; i++) {
            budget.offloaded();
            hedges += budget.tryTake() ? 1 : 0;
            clock.advance(Duration.ofMillis(10));
        }
        assertEquals(20, hedges, "5 % of 400");
    }

    @Test
    void earnedHedgesExpireWithTheWindow() {
        HedgeBudget budget = new HedgeBudget(0.1, Duration.ofSeconds(10), clock);
        for (int i = 0; i < 1000; i++) {
            budget.offloaded(); // a busy, healthy hour's worth in little
        }
        clock.advance(Duration.ofSeconds(10));
        assertFalse(budget.tryTake(), "jobs of a past window buy no hedges for a burst now");
        for (int i = 0; i < 30; i++) {
            budget.offloaded();
        }
        assertEquals(3, take(budget, 100), "10 % of the window's 30 jobs");
        clock.advance(Duration.ofSeconds(5));
        assertEquals(0, take(budget, 100), "hedges spent count for the window too");
        clock.advance(Duration.ofSeconds(6));
        for (int i = 0; i < 10; i++) {
            budget.offloaded();
        }
        assertEquals(1, take(budget, 100), "the old jobs and their hedges left the window together");
    }

    @Test
    void aZeroShareNeverHedgesAndAClockSteppedBackLosesNoCount() {
        HedgeBudget none = new HedgeBudget(0, Duration.ofSeconds(10), clock);
        for (int i = 0; i < 1000; i++) {
            none.offloaded();
        }
        assertEquals(0, take(none, 10));

        HedgeBudget budget = new HedgeBudget(0.5, Duration.ofSeconds(10), clock);
        budget.offloaded();
        budget.offloaded();
        clock.advance(Duration.ofSeconds(-30));
        assertEquals(1, take(budget, 5), "a clock stepped back neither forgets nor repeats the window");
    }
}
