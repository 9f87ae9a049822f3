package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.TestPlugins;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Without a NATS URL a node runs alone: its global view and registry hold only itself. */
class AloneNodeTest {

    @TempDir
    Path home;

    @Test
    void aNodeWithoutNatsIsItsOwnFabric() {
        TestPlugins.provider("test.solo", "solo-echo", "solo").build(home.resolve("plugins/solo.jar"));
        try (TestNode node = TestNode.start(home, "lonely")) {
            assertTrue(node.kernel.fabric().isEmpty());
            JsonNode view = node.getJson("/v1/capabilities?fresh=true");
            assertEquals("lonely", view.get("local_node").asText());
            assertEquals(1, view.get("node_count").asInt());
            assertEquals("lonely", view.at("/capabilities/solo/0").asText());
            assertEquals("ok", view.at("/nodes/lonely/status").asText());
            JsonNode nodes = node.getJson("/v1/nodes");
            assertEquals(1, nodes.get("nodes").size());
            assertEquals("lonely", nodes.at("/nodes/0/node_id").asText());
            assertTrue(node.get("/health/ready").body().contains("\"nats\":\"not configured\""));
            assertEquals(200, node.postJson("/v1/capability/solo", "{}").statusCode());
        }
    }
}
