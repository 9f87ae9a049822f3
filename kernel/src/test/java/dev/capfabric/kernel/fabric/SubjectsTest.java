package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.config.InvalidSettingsException;
import dev.capfabric.spi.Capability;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SubjectsTest {

    private final Subjects subjects = new Subjects("capfabric");

    @Test
    void subjectsFollowTheContract() {
        assertEquals("capfabric.discover", subjects.discover());
        assertEquals("capfabric.node.gpu-1.caps", subjects.caps("gpu-1"));
        assertEquals("capfabric.node.gpu-1.heartbeat", subjects.heartbeat("gpu-1"));
        assertEquals("capfabric.node.gpu-1.bye", subjects.bye("gpu-1"));
        assertEquals("capfabric.node.gpu-1.cancel", subjects.cancel("gpu-1"));
        assertEquals("capfabric.node.gpu-1.cancel.cpu-2", subjects.cancel("gpu-1", "cpu-2"));
        assertEquals("capfabric.node.gpu-1.cancel.*", subjects.cancelsFromAnyOrigin("gpu-1"));
        assertEquals("capfabric.node.gpu-1.cap.stt", subjects.capability("gpu-1", Capability.STT));
        assertEquals("capfabric.node.gpu-1.admin.drain", subjects.admin("gpu-1", "drain"));
        assertEquals("acme.fabric.node.n.caps", new Subjects("acme.fabric").caps("n"));
    }

    @Test
    void aNodeIdThatWouldReshapeASubjectNeverBecomesOne() {
        for (String bad : List.of("a.b", "*", ">", "a*", "node>", "x y", "", "Upper")) {
            assertThrows(IllegalArgumentException.class, () -> subjects.heartbeat(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> subjects.capability(bad, Capability.OCR), bad);
            assertThrows(IllegalArgumentException.class, () -> subjects.admin(bad, "drain"), bad);
            assertThrows(IllegalArgumentException.class, () -> subjects.admin("n", bad), bad);
            assertThrows(IllegalArgumentException.class, () -> subjects.cancel("n", bad), bad);
            assertThrows(IllegalArgumentException.class, () -> subjects.cancel(bad, "n"), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> subjects.caps(null));
    }

    @Test
    void nodeIdsAreReadBackOnlyFromWellFormedSubjects() {
        assertEquals(Optional.of("b-2"), subjects.nodeIdIn("capfabric.node.b-2.heartbeat", "heartbeat"));
        assertEquals(Optional.empty(), subjects.nodeIdIn("capfabric.node.a*b.heartbeat", "heartbeat"));
        assertEquals(Optional.empty(), subjects.nodeIdIn("capfabric.node.a.b.heartbeat", "heartbeat"));
        assertEquals(Optional.empty(), subjects.nodeIdIn("other.node.b.heartbeat", "heartbeat"));
        assertEquals(Optional.empty(), subjects.nodeIdIn("capfabric.node.b.bye", "heartbeat"));
        assertEquals(Optional.empty(), subjects.nodeIdIn("capfabric.node..heartbeat", "heartbeat"));
    }

    @Test
    void prefixesWithWildcardsAreRefused() {
        FabricSettings.BreakerSettings breaker = new FabricSettings.BreakerSettings(3, java.time.Duration.ofSeconds(60),
                java.time.Duration.ofSeconds(120));
        for (String bad : List.of("cap.*", ">", "a..b", "", "a b")) {
            assertThrows(InvalidSettingsException.class, () -> new FabricSettings(FabricSettingsTest.nats(), bad,
                    java.time.Duration.ofSeconds(5), FabricSettings.PeerIntervals.around(java.time.Duration.ofSeconds(5)),
                    java.time.Duration.ofMillis(250), List.of(), 10, breaker,
                    new FabricSettings.PayloadStoreSettings("b", java.time.Duration.ofMinutes(1), true), 10,
                    new FabricSettings.AdminSettings(false, java.nio.file.Path.of("plugins"), 0, java.time.Duration.ofSeconds(30))), bad);
        }
    }
}
