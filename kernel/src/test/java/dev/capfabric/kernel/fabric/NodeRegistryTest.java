package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.node.CapabilitySummary;
import dev.capfabric.kernel.node.HardwareProfile;
import dev.capfabric.kernel.node.NodeCaps;
import dev.capfabric.kernel.node.NodeLoad;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeRegistryTest {

    private static final Duration INTERVAL = Duration.ofSeconds(5);

    private final TestClock clock = new TestClock();
    private final NodeRegistry registry = new NodeRegistry("self", clock, INTERVAL, 100, List.of("expected-box"));

    static NodeCaps caps(String nodeId, String... capabilities) {
        Map<String, CapabilitySummary> summaries = new java.util.TreeMap<>();
        for (String capability : capabilities) {
            summaries.put(capability, new CapabilitySummary(List.of(capability + "-provider"), List.of(), List.of(), List.of()));
        }
        return new NodeCaps(nodeId, "test", "2026-01-01T00:00:00Z", new HardwareProfile("cpu", 2, 1L << 30, List.of(), "linux"),
                new NodeLoad(0, 0, Map.of(), Map.of()), summaries, List.of(), List.of());
    }

    static Heartbeat beat(String nodeId, NodeCaps caps) {
        String digest = caps == null ? "none" : LocalNode.digest(caps.capabilities());
        return new Heartbeat(nodeId, 0, "2026-01-01T00:00:00Z", INTERVAL.toMillis(), digest, false, FabricLoad.none(), caps);
    }

    @Test
    void aNodeIsOkWithinThreeIntervalsStaleAfterAndGoneAfterTwelve() {
        registry.heartbeat("b", beat("b", caps("b", "stt")));
        assertEquals(NodeStatus.OK, registry.status("b"));
        clock.advance(INTERVAL.multipliedBy(3));
        assertEquals(NodeStatus.OK, registry.status("b"), "heard exactly three intervals ago is still ok");
        clock.advance(Duration.ofMillis(1));
        assertEquals(NodeStatus.STALE, registry.status("b"));
        clock.advance(INTERVAL.multipliedBy(9));
        assertEquals(NodeStatus.GONE, registry.status("b"));
        registry.heartbeat("b", beat("b", null));
        assertEquals(NodeStatus.OK, registry.status("b"), "a gone node that speaks again is back");
    }

    @Test
    void statusesFollowTheSendersOwnInterval() {
        Heartbeat slow = new Heartbeat("slow", 0, "t", 60_000, "d", false, FabricLoad.none(), caps("slow", "ocr"));
        registry.heartbeat("slow", slow);
        clock.advance(Duration.ofMinutes(2));
        assertEquals(NodeStatus.OK, registry.status("slow"), "a node beating every minute is ok after two minutes");
        clock.advance(Duration.ofMinutes(2));
        assertEquals(NodeStatus.STALE, registry.status("slow"));
    }

    @Test
    void byeMakesANodeGoneAtOnce() {
        registry.heartbeat("b", beat("b", caps("b", "stt")));
        registry.bye("b");
        assertEquals(NodeStatus.GONE, registry.status("b"));
        assertEquals(Set.of("expected-box"), registry.awaited(), "a gone node is not awaited by discovery");
    }

    @Test
    void expectedNodesNeverHeardAreUnknown() {
        assertEquals(NodeStatus.UNKNOWN, registry.status("expected-box"));
        assertTrue(registry.nodes().stream().anyMatch(n -> n.nodeId().equals("expected-box") && n.age().isEmpty()));
        registry.heartbeat("expected-box", beat("expected-box", caps("expected-box", "tts")));
        assertEquals(NodeStatus.OK, registry.status("expected-box"));
    }

    @Test
    void aDrainingNodeSaysSo() {
        registry.heartbeat("d", new Heartbeat("d", 3, "t", 5000, "x", true, FabricLoad.none(), caps("d", "stt")));
        assertEquals(NodeStatus.DRAINING, registry.status("d"));
    }

    @Test
    void aHeartbeatWhoseBodyNamesAnotherNodeIsDroppedAndCounted() {
        assertEquals(NodeRegistry.Received.MISMATCHED, registry.heartbeat("b", beat("c", caps("c", "stt"))));
        assertEquals(1, registry.mismatchedHeartbeats());
        assertEquals(NodeStatus.UNKNOWN, registry.status("b"));
        assertEquals(NodeStatus.UNKNOWN, registry.status("c"));
        assertTrue(registry.nodes().stream().noneMatch(n -> n.nodeId().equals("b") || n.nodeId().equals("c")));
    }

    @Test
    void itsOwnHeartbeatIsNotANode() {
        assertEquals(NodeRegistry.Received.SELF, registry.heartbeat("self", beat("self", caps("self", "stt"))));
        assertTrue(registry.nodes().stream().noneMatch(n -> n.nodeId().equals("self")));
    }

    @Test
    void capabilitiesAreAskedForWhenTheDigestIsNewHere() {
        NodeCaps caps = caps("b", "stt");
        String digest = LocalNode.digest(caps.capabilities());
        Heartbeat light = new Heartbeat("b", 1, "t", 5000, digest, false, FabricLoad.none(), null);
        assertEquals(NodeRegistry.Received.NEEDS_CAPS, registry.heartbeat("b", light));
        registry.capabilities(caps, digest);
        assertEquals(NodeRegistry.Received.ACCEPTED, registry.heartbeat("b", light));
        Heartbeat changed = new Heartbeat("b", 2, "t", 5000, "something-else", false, FabricLoad.none(), null);
        assertEquals(NodeRegistry.Received.NEEDS_CAPS, registry.heartbeat("b", changed));
        assertEquals(NodeRegistry.Received.ACCEPTED, registry.heartbeat("b", beat("b", caps("b", "stt", "ocr"))),
                "a heartbeat carrying its capabilities is complete");
        assertEquals(Set.of("ocr", "stt"), registry.node("b").orElseThrow().capabilities().keySet());
    }

    @Test
    void capabilitiesFromADiscoveryAnswerCountAsHeard() {
        registry.capabilities(caps("fresh", "image"), "d1");
        assertEquals(NodeStatus.OK, registry.status("fresh"));
        assertTrue(registry.node("fresh").orElseThrow().has("image"));
    }

    @Test
    void invalidNodeIdsNeverEnterTheRegistry() {
        for (String bad : List.of("a.b", "*", ">", "x y", "UPPER", "")) {
            registry.capabilities(caps(bad, "stt"), "d");
        }
        assertEquals(List.of("expected-box"), registry.nodes().stream().map(RemoteNode::nodeId).toList());
    }

    @Test
    void theRegistryIsBounded() {
        NodeRegistry small = new NodeRegistry("self", clock, INTERVAL, 2, List.of());
        small.heartbeat("n1", beat("n1", null));
        small.heartbeat("n2", beat("n2", null));
        assertEquals(NodeRegistry.Received.FULL, small.heartbeat("n3", beat("n3", null)));
        assertEquals(1, small.overflow());
        assertEquals(2, small.nodes().size());
    }

    @Test
    void sweepsReportTransitionsAndForgetLongGoneNodes() {
        registry.heartbeat("b", beat("b", caps("b", "stt")));
        assertTrue(registry.sweep().isEmpty());
        clock.advance(INTERVAL.multipliedBy(4));
        assertEquals(List.of(new NodeRegistry.Transition("b", NodeStatus.OK, NodeStatus.STALE)), registry.sweep());
        clock.advance(INTERVAL.multipliedBy(8));
        assertEquals(List.of(new NodeRegistry.Transition("b", NodeStatus.STALE, NodeStatus.GONE)), registry.sweep());
        clock.advance(INTERVAL.multipliedBy(100));
        registry.sweep();
        assertTrue(registry.node("b").isEmpty(), "forgotten after a hundred intervals");
        assertTrue(registry.node("expected-box").isPresent(), "expected nodes are never forgotten");
    }
}
