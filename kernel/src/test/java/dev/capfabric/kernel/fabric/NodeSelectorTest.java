package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.dispatch.Asked;
import dev.capfabric.kernel.node.CapabilitySummary;
import dev.capfabric.spi.Capability;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeSelectorTest {

    private static final Capability STT = Capability.of("stt");
    private static final NodeSelector.Ask ANY = new NodeSelector.Ask(STT, Optional.empty(), Optional.empty());

    private final TestClock clock = new TestClock();
    private final CircuitBreakers breakers = new CircuitBreakers(new FabricSettings.BreakerSettings(3, Duration.ofSeconds(60),
            Duration.ofSeconds(120)), clock);
    private final NodeSelector selector = new NodeSelector(breakers, RandomGenerator.of("L64X128MixRandom"));
    private final Map<String, Integer> outstanding = new HashMap<>();

    private static RemoteNode node(String id, NodeStatus status, int queue, int concurrency, double serviceMs) {
        return node(id, status, queue, concurrency, serviceMs, List.of(), List.of());
    }

    private static RemoteNode node(String id, NodeStatus status, int queue, int concurrency, double serviceMs,
                                   List<String> models, List<String> languages) {
        FabricLoad load = new FabricLoad(0.1, 0.2, Map.of("stt", queue), Map.of(), Map.of("stt", concurrency), Map.of("stt", serviceMs));
        return new RemoteNode(id, status, Optional.of(1.0),
                Map.of("stt", new CapabilitySummary(List.of("whisper"), models, languages, List.of())), load);
    }

    private NodeSelector.Ranking rank(NodeSelector.Ask ask, List<RemoteNode> nodes) {
        return selector.rank(ask, nodes, (node, cap) -> outstanding.getOrDefault(node, 0), Map.of());
    }

    @Test
    void ordersByExpectedWaitFromQueueConcurrencyAndServiceTime() {
        // waits: slow (0+0+1)/1*400 = 400; busy (0+5+1)/2*100 = 300; wide (0+3+1)/4*100 = 100
        List<RemoteNode> nodes = List.of(
                node("slow", NodeStatus.OK, 0, 1, 400),
                node("busy", NodeStatus.OK, 5, 2, 100),
                node("wide", NodeStatus.OK, 3, 4, 100));
        NodeSelector.Ranking ranking = rank(ANY, nodes);
        assertEquals(List.of("wide", "busy", "slow"), ranking.order());
        assertEquals(100.0, ranking.waits().get("wide"), 1e-9);
        assertEquals(300.0, ranking.waits().get("busy"), 1e-9);
        assertEquals(400.0, ranking.waits().get("slow"), 1e-9);
    }

    @Test
    void jobsThisNodeHasOutstandingCountAgainstANode() {
        List<RemoteNode> nodes = List.of(node("a", NodeStatus.OK, 0, 1, 100), node("b", NodeStatus.OK, 0, 1, 150));
        assertEquals("a", rank(ANY, nodes).order().getFirst());
        outstanding.put("a", 1); // a: (1+0+1)*100 = 200 > b: 150
        assertEquals(List.of("b", "a"), rank(ANY, nodes).order());
    }

    @Test
    void equalWaitsAreOrderedAtRandomSoRoutersDoNotHerd() {
        List<RemoteNode> nodes = List.of(node("a", NodeStatus.OK, 0, 1, 100), node("b", NodeStatus.OK, 0, 1, 100),
                node("c", NodeStatus.OK, 0, 1, 100), node("d", NodeStatus.OK, 2, 1, 100));
        Map<String, Integer> firsts = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            NodeSelector.Ranking ranking = rank(ANY, nodes);
            firsts.merge(ranking.order().getFirst(), 1, Integer::sum);
            assertEquals("d", ranking.order().getLast(), "a longer wait never wins a tie-break");
        }
        assertEquals(Set.of("a", "b", "c"), firsts.keySet());
        firsts.values().forEach(count -> assertTrue(count > 50, "each tied node comes first often: " + firsts));
    }

    @Test
    void onlyOkNodesQualifyAndTheOthersSaySo() {
        List<RemoteNode> nodes = List.of(
                node("fine", NodeStatus.OK, 0, 1, 100),
                node("quiet", NodeStatus.STALE, 0, 1, 1),
                node("left", NodeStatus.GONE, 0, 1, 1),
                node("leaving", NodeStatus.DRAINING, 0, 1, 1));
        NodeSelector.Ranking ranking = rank(ANY, nodes);
        assertEquals(List.of("fine"), ranking.order());
        assertTrue(ranking.skipped().get("quiet").startsWith("stale"), ranking.skipped().toString());
        assertTrue(ranking.skipped().get("left").startsWith("gone"), ranking.skipped().toString());
        assertTrue(ranking.skipped().get("leaving").startsWith("draining"), ranking.skipped().toString());
    }

    @Test
    void nodesWithoutTheCapabilityAreNeitherChosenNorListed() {
        RemoteNode ocrOnly = new RemoteNode("ocr-box", NodeStatus.OK, Optional.of(1.0),
                Map.of("ocr", new CapabilitySummary(List.of("tesseract"), List.of(), List.of(), List.of())), FabricLoad.none());
        NodeSelector.Ranking ranking = rank(ANY, List.of(ocrOnly));
        assertTrue(ranking.order().isEmpty());
        assertTrue(ranking.skipped().isEmpty());
    }

    @Test
    void requestedModelAndLanguageAreRespected() {
        List<RemoteNode> nodes = List.of(
                node("small", NodeStatus.OK, 0, 1, 10, List.of("tiny", "base"), List.of("en")),
                node("large", NodeStatus.OK, 0, 1, 500, List.of("large-v3"), List.of("en", "de")),
                node("anything", NodeStatus.OK, 0, 1, 900, List.of(), List.of()));
        NodeSelector.Ranking large = rank(new NodeSelector.Ask(STT, Optional.of("large-v3"), Optional.empty()), nodes);
        assertEquals(List.of("large", "anything"), large.order(), "an empty model list offers any model");
        assertTrue(large.skipped().get("small").contains("model 'large-v3'"), large.skipped().toString());

        NodeSelector.Ranking german = rank(new NodeSelector.Ask(STT, Optional.empty(), Optional.of("de")), nodes);
        assertEquals(List.of("large", "anything"), german.order());
        assertTrue(german.skipped().get("small").contains("language 'de'"));

        NodeSelector.Ranking both = rank(new NodeSelector.Ask(STT, Optional.of("base"), Optional.of("de")), nodes);
        assertEquals(List.of("anything"), both.order());
    }

    @Test
    void aNamedProviderQualifiesOnlyTheNodesWhereItIsUsableEvenFasterOnesWithout() {
        FabricLoad load = new FabricLoad(0.1, 0.2, Map.of("stt", 0), Map.of(), Map.of("stt", 1), Map.of("stt", 10.0));
        RemoteNode fast = new RemoteNode("fast", NodeStatus.OK, Optional.of(1.0),
                Map.of("stt", new CapabilitySummary(List.of("pocketsphinx"), List.of(), List.of(), List.of())), load);
        RemoteNode both = new RemoteNode("both", NodeStatus.OK, Optional.of(1.0),
                Map.of("stt", new CapabilitySummary(List.of("pocketsphinx", "whisper"), List.of(), List.of(), List.of())),
                new FabricLoad(0.1, 0.2, Map.of("stt", 4), Map.of(), Map.of("stt", 1), Map.of("stt", 900.0)));
        NodeSelector.Ask whisper = new NodeSelector.Ask(STT, new Asked(Optional.empty(), Optional.empty(), Optional.empty()),
                Optional.of("whisper"), 0);
        NodeSelector.Ranking ranking = rank(whisper, List.of(fast, both));
        assertEquals(List.of("both"), ranking.order());
        assertTrue(ranking.skipped().get("fast").contains("provider 'whisper'"), ranking.skipped().toString());
        assertEquals(List.of("fast", "both"), rank(new NodeSelector.Ask(STT, new Asked(Optional.empty(), Optional.empty(),
                Optional.empty()), Optional.of("pocketsphinx"), 0), List.of(fast, both)).order());
        assertTrue(rank(new NodeSelector.Ask(STT, new Asked(Optional.empty(), Optional.empty(), Optional.empty()),
                Optional.of("sphinx4"), 0), List.of(fast, both)).order().isEmpty(), "nobody has it");
    }

    @Test
    void threeFailuresWithinAMinuteOpenTheCircuitForTwoMinutes() {
        List<RemoteNode> nodes = List.of(node("flaky", NodeStatus.OK, 0, 1, 10), node("steady", NodeStatus.OK, 0, 1, 50));
        assertFalse(breakers.failure("flaky"));
        clock.advance(Duration.ofSeconds(20));
        assertFalse(breakers.failure("flaky"));
        clock.advance(Duration.ofSeconds(20));
        assertTrue(breakers.failure("flaky"), "the third failure within 60 s opens the circuit");

        NodeSelector.Ranking open = rank(ANY, nodes);
        assertEquals(List.of("steady"), open.order());
        assertTrue(open.skipped().get("flaky").startsWith("circuit open"), open.skipped().toString());

        clock.advance(Duration.ofSeconds(119));
        assertEquals(List.of("steady"), rank(ANY, nodes).order(), "still open just before 120 s");
        clock.advance(Duration.ofSeconds(2));
        assertEquals(List.of("flaky", "steady"), rank(ANY, nodes).order(), "closed again after 120 s");
    }

    @Test
    void failuresSpreadOverMoreThanAMinuteDoNotOpenTheCircuit() {
        breakers.failure("n");
        clock.advance(Duration.ofSeconds(31));
        breakers.failure("n");
        clock.advance(Duration.ofSeconds(31));
        assertFalse(breakers.failure("n"), "the first failure is older than 60 s");
        assertTrue(breakers.openFor("n").isEmpty());
    }

    @Test
    void anAnswerClearsTheFailureCount() {
        breakers.failure("n");
        breakers.failure("n");
        breakers.success("n");
        assertFalse(breakers.failure("n"));
        assertTrue(breakers.openFor("n").isEmpty());
    }

    @Test
    void nodesAlreadyTriedForAJobAreSkippedWithTheirFailure() {
        List<RemoteNode> nodes = List.of(node("first", NodeStatus.OK, 0, 1, 10), node("second", NodeStatus.OK, 0, 1, 50));
        NodeSelector.Ranking ranking = selector.rank(ANY, nodes, (n, c) -> 0, Map.of("first", "tried: no responders"));
        assertEquals(List.of("second"), ranking.order());
        assertEquals("tried: no responders", ranking.skipped().get("first"));
    }

    @Test
    void missingLoadFiguresFallBackToSafeDefaults() {
        RemoteNode bare = new RemoteNode("bare", NodeStatus.OK, Optional.empty(),
                Map.of("stt", new CapabilitySummary(List.of("p"), List.of(), List.of(), List.of())), FabricLoad.none());
        assertEquals(RemoteNode.DEFAULT_SERVICE_MILLIS, NodeSelector.expectedWait(bare, "stt", 0), 1e-9);
        Set<String> seen = new HashSet<>(rank(ANY, List.of(bare)).order());
        assertEquals(Set.of("bare"), seen);
    }
}
