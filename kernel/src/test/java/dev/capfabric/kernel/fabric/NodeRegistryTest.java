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
        return new NodeCaps(nodeId, "test", null, "2026-01-01T00:00:00Z", new HardwareProfile("cpu", 2, 1L << 30, List.of(), "linux"),
                new NodeLoad(0, 0, Map.of(), Map.of()), summaries, List.of(), List.of());
    }

    static Heartbeat beat(String nodeId, NodeCaps caps) {
        String digest = caps == null ? "none" : LocalNode.digest(caps.capabilities());
        return new Heartbeat(nodeId, 0, "2026-01-01T00:00:00Z", INTERVAL.toMillis(), digest, false, FabricLoad.none(), caps);
    }

    /** The node answers a caps request on its own subject, as instance {@code i1}. */
    private NodeRegistry.Admitted join(NodeRegistry into, String nodeId, String... capabilities) {
        NodeCaps caps = caps(nodeId, capabilities);
        return into.probed(caps, LocalNode.digest(caps.capabilities()), "i1");
    }

    private NodeRegistry.Admitted join(String nodeId, String... capabilities) {
        return join(registry, nodeId, capabilities);
    }

    @Test
    void aNodeIsOkWithinThreeIntervalsStaleAfterAndGoneAfterTwelve() {
        join("b", "stt");
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
    void statusesFollowTheSendersOwnIntervalWithinTheConfiguredRange() {
        join("slow", "ocr");
        Heartbeat slow = new Heartbeat("slow", 0, "t", 15_000, "d", false, FabricLoad.none(), caps("slow", "ocr"));
        registry.heartbeat("slow", slow);
        clock.advance(Duration.ofSeconds(40));
        assertEquals(NodeStatus.OK, registry.status("slow"), "a node beating every 15 s is ok after 40 s");
        clock.advance(Duration.ofSeconds(6));
        assertEquals(NodeStatus.STALE, registry.status("slow"));
    }

    @Test
    void anIntervalClaimedBeyondTheRangeIsClampedSoOneMessageCannotKeepANodeOkForHours() {
        for (long claimed : List.of(3_600_000L, 86_400_000L, Long.MAX_VALUE / 2)) {
            String id = "liar-" + (claimed % 97);
            join(id, "stt");
            registry.heartbeat(id, new Heartbeat(id, 0, "t", claimed, "d", false, FabricLoad.none(), caps(id, "stt")));
            TestClock later = clock;
            later.advance(INTERVAL.multipliedBy(4 * 3).plusMillis(1)); // past 3 × the longest allowed (4 × 5 s)
            assertEquals(NodeStatus.STALE, registry.status(id), "claimed " + claimed + " ms");
        }
        NodeRegistry tight = new NodeRegistry("self", clock, INTERVAL,
                new FabricSettings.PeerIntervals(Duration.ofMillis(500), Duration.ofSeconds(2)), 10, List.of());
        join(tight, "n", "stt");
        tight.heartbeat("n", new Heartbeat("n", 0, "t", 3_600_000, "d", false, FabricLoad.none(), null));
        clock.advance(Duration.ofMillis(6001));
        assertEquals(NodeStatus.STALE, tight.status("n"), "the configured maximum holds");
        join(tight, "fast", "stt");
        tight.heartbeat("fast", new Heartbeat("fast", 0, "t", 1, "d", false, FabricLoad.none(), null));
        clock.advance(Duration.ofMillis(1400));
        assertEquals(NodeStatus.OK, tight.status("fast"), "a claimed 1 ms interval counts as the configured minimum of 500 ms");
    }

    @Test
    void byeMakesANodeGoneAtOnce() {
        join("b", "stt");
        registry.bye("b");
        assertEquals(NodeStatus.GONE, registry.status("b"));
        assertEquals(Set.of("expected-box"), registry.awaited(), "a gone node is not awaited by discovery");
    }

    @Test
    void expectedNodesNeverHeardAreUnknown() {
        assertEquals(NodeStatus.UNKNOWN, registry.status("expected-box"));
        assertTrue(registry.nodes().stream().anyMatch(n -> n.nodeId().equals("expected-box") && n.age().isEmpty()));
        assertEquals(NodeRegistry.Received.PROBE, registry.heartbeat("expected-box", beat("expected-box", caps("expected-box", "tts"))),
                "expected, but it still has to answer on its own subject");
        assertEquals(NodeStatus.UNKNOWN, registry.status("expected-box"));
        assertEquals(NodeRegistry.Admitted.JOINED, join("expected-box", "tts"));
        assertEquals(NodeStatus.OK, registry.status("expected-box"));
    }

    @Test
    void aDrainingNodeSaysSo() {
        join("d", "stt");
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
        registry.probed(caps("b"), "old-digest", "i1");
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
    void aDiscoveryAnswerAdmitsNobodyButRefreshesANodeThatAnswered() {
        assertEquals(false, registry.capabilities(caps("fresh", "image"), "d1"), "unknown: to be probed");
        assertTrue(registry.node("fresh").isEmpty());
        join("fresh", "stt");
        clock.advance(INTERVAL.multipliedBy(2));
        assertTrue(registry.capabilities(caps("fresh", "image"), "d1"));
        assertEquals(NodeStatus.OK, registry.status("fresh"));
        assertTrue(registry.node("fresh").orElseThrow().has("image"));
    }

    @Test
    void aHeartbeatAloneAdmitsNobodyWhateverItClaims() {
        for (String id : List.of("forged-1", "forged-2", "forged-3")) {
            Heartbeat glowing = new Heartbeat(id, 0, "t", 3_600_000, "d", false,
                    new FabricLoad(0, 0, Map.of(), Map.of(), Map.of("stt", 64), Map.of("stt", 1.0)), caps(id, "stt"));
            assertEquals(NodeRegistry.Received.PROBE, registry.heartbeat(id, glowing));
            assertEquals(NodeRegistry.Received.PROBE, registry.heartbeat(id, "other-instance", glowing));
        }
        assertEquals(List.of("expected-box"), registry.nodes().stream().map(RemoteNode::nodeId).toList());
        assertEquals(Set.of("expected-box"), registry.awaited());
    }

    @Test
    void aKnownNodeSpeakingAsANewInstanceIsProbedAndReportedRestarted() {
        join("b", "stt");
        assertEquals(NodeRegistry.Received.NEEDS_CAPS, registry.heartbeat("b", "i1", beat("b", null)));
        assertEquals(NodeRegistry.Received.PROBE, registry.heartbeat("b", "i2", beat("b", caps("b", "stt"))),
                "a new instance's word counts only once it answered");
        registry.bye("b");
        NodeCaps caps = caps("b", "stt");
        assertEquals(NodeRegistry.Admitted.RESTARTED, registry.probed(caps, LocalNode.digest(caps.capabilities()), "i2"));
        assertEquals(NodeStatus.OK, registry.status("b"), "back after its bye");
        assertEquals("i2", registry.instance("b").orElseThrow());
        assertEquals(NodeRegistry.Admitted.REFRESHED, registry.probed(caps, LocalNode.digest(caps.capabilities()), "i2"));
    }

    @Test
    void invalidNodeIdsNeverEnterTheRegistry() {
        for (String bad : List.of("a.b", "*", ">", "x y", "UPPER", "")) {
            registry.capabilities(caps(bad, "stt"), "d");
            assertEquals(NodeRegistry.Admitted.REFUSED, registry.probed(caps(bad, "stt"), "d", "i"));
        }
        assertEquals(List.of("expected-box"), registry.nodes().stream().map(RemoteNode::nodeId).toList());
    }

    @Test
    void theRegistryIsBoundedAndNeverDisplacesANodeThatAnswered() {
        NodeRegistry small = new NodeRegistry("self", clock, INTERVAL, 2, List.of());
        join(small, "n1", "stt");
        join(small, "n2", "stt");
        for (int i = 0; i < 100; i++) {
            small.heartbeat("flood-" + i, beat("flood-" + i, null));
        }
        assertEquals(NodeRegistry.Admitted.FULL, join(small, "n3", "stt"));
        assertEquals(1, small.overflow());
        assertEquals(List.of("n1", "n2"), small.nodes().stream().map(RemoteNode::nodeId).toList());
        assertEquals(NodeRegistry.Admitted.REFRESHED, join(small, "n1", "stt"), "a member is refreshed even when full");
    }

    @Test
    void sweepsReportTransitionsAndForgetLongGoneNodes() {
        join("b", "stt");
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
