package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.node.CapabilitySummary;
import dev.capfabric.spi.Capability;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What routing makes of what it saw of its peers: attempt timeouts, probation, claims checked against answers. */
class AnswerTimesTest {

    private static final NodeSelector.Ask STT = new NodeSelector.Ask(Capability.of("stt"), Optional.empty(), Optional.empty());

    private final AnswerTimes seen = new AnswerTimes(Duration.ofSeconds(1), 4);
    private final CircuitBreakers breakers = new CircuitBreakers(new FabricSettings.BreakerSettings(3, Duration.ofSeconds(60),
            Duration.ofSeconds(120)), new TestClock());
    private final NodeSelector selector = new NodeSelector(breakers, RandomGenerator.of("L64X128MixRandom"), seen);
    private final Map<String, Integer> held = new HashMap<>();

    private static RemoteNode node(String id, int concurrency, double claimedServiceMs) {
        FabricLoad load = new FabricLoad(0, 0, Map.of("stt", 0), Map.of(), Map.of("stt", concurrency), Map.of("stt", claimedServiceMs));
        return new RemoteNode(id, NodeStatus.OK, Optional.of(0.5),
                Map.of("stt", new CapabilitySummary(List.of("p"), List.of(), List.of(), List.of())), load);
    }

    private void answers(String node, long... millis) {
        for (long ms : millis) {
            seen.answered(node, "stt", Duration.ofMillis(ms));
        }
    }

    private NodeSelector.Ranking rank(List<RemoteNode> nodes, int probationTried) {
        return selector.rank(STT, nodes, (node, cap) -> held.getOrDefault(node, 0), Map.of(), probationTried);
    }

    @Test
    void withoutAnswersAnAttemptHasTheWholeDeadline() {
        assertEquals(Optional.empty(), seen.attemptTimeout("b", "stt", 0));
        answers("b", 100, 100, 100);
        assertEquals(Optional.empty(), seen.attemptTimeout("b", "stt", 0), "three answers say too little");
    }

    @Test
    void anAttemptMayTakeFourTimesTheSlowestUsualAnswerAndAtLeastTheFloor() {
        for (int i = 0; i < 20; i++) {
            answers("b", 100 + i * 10); // 100..290 ms
        }
        assertEquals(Duration.ofMillis(4 * 290), seen.attemptTimeout("b", "stt", 0).orElseThrow());
        assertEquals(Duration.ofMillis(4 * 290 + 500), seen.attemptTimeout("b", "stt", 500).orElseThrow(),
                "plus the wait expected there");
        for (int i = 0; i < 20; i++) {
            answers("quick", 5);
        }
        assertEquals(Duration.ofSeconds(1), seen.attemptTimeout("quick", "stt", 0).orElseThrow(), "never below the floor");
    }

    @Test
    void aNodeWithoutHistoryIsHeldToTheSlowestUsualAnswerOfTheFleet() {
        for (int i = 0; i < 10; i++) {
            answers("b", 300);
            answers("c", 500);
        }
        assertEquals(Duration.ofMillis(2000), seen.attemptTimeout("newcomer", "stt", 0).orElseThrow());
        assertEquals(Optional.empty(), seen.attemptTimeout("newcomer", "ocr", 0), "another capability: nothing known");
    }

    @Test
    void aRestartedNodeStartsAfresh() {
        answers("b", 100, 100, 100, 100, 100, 100, 100, 100);
        assertTrue(seen.everAnswered("b"));
        seen.forget("b");
        assertTrue(!seen.everAnswered("b") && seen.quantile("b", "stt", 0.5).isEmpty());
    }

    @Test
    void aNodeClaimingToBeFastIsRankedByWhatItDoes() {
        answers("liar", 900, 900, 900, 900, 900, 900, 900, 900);
        answers("honest", 200, 200, 200, 200, 200, 200, 200, 200);
        NodeSelector.Ranking ranking = rank(List.of(node("liar", 1, 1), node("honest", 1, 200)), 0);
        assertEquals(List.of("honest", "liar"), ranking.order());
        assertEquals(900.0, ranking.waits().get("liar"), 1e-9);
    }

    @Test
    void aNodeThatNeverAnsweredHoldsOneJobAtATimeWhileOthersCanServe() {
        answers("proven", 200);
        held.put("fresh", 1);
        NodeSelector.Ranking ranking = rank(List.of(node("fresh", 8, 1), node("proven", 1, 200)), 0);
        assertEquals(List.of("proven"), ranking.order());
        assertTrue(ranking.skipped().get("fresh").startsWith("on probation"), ranking.skipped().toString());

        held.put("fresh", 0);
        ranking = rank(List.of(node("fresh", 8, 1), node("proven", 1, 200)), 0);
        assertEquals("fresh", ranking.order().getFirst(), "an idle newcomer gets its first job");
        assertEquals(java.util.Set.of("fresh"), ranking.probation());

        ranking = rank(List.of(node("fresh", 8, 1), node("other-fresh", 8, 1), node("proven", 1, 200)), 1);
        assertEquals(List.of("proven"), ranking.order(), "a job that tried a newcomer goes to a node that answered before");
        ranking = rank(List.of(node("fresh", 8, 1), node("other-fresh", 8, 1)), 1);
        assertEquals(2, ranking.order().size(), "unless there is none");
        ranking = rank(List.of(node("fresh", 8, 1)), 2);
        assertEquals(List.of(), ranking.order(), "two newcomers per job at most");
    }

    @Test
    void whenOnlyNewcomersCanServeProbationHoldsNobodyBack() {
        held.put("a", 3);
        held.put("b", 2);
        NodeSelector.Ranking ranking = rank(List.of(node("a", 1, 100), node("b", 1, 100)), 0);
        assertEquals(List.of("b", "a"), ranking.order());
        assertTrue(ranking.skipped().isEmpty());
    }
}
