package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.TestPlugins;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static dev.capfabric.kernel.fabric.FabricNodes.fabric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Through {@code FabricRoute} and {@code NodeSelector}: what no node offers is refused for good (422,
 * no {@code Retry-After}); what a node that is down offers is refused for now (503 with it).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FabricErrorStatusTest {

    private static final Duration HEARTBEAT = Duration.ofMillis(300);

    @TempDir
    static Path dir;

    static NatsTestServer nats;
    static TestNode router;
    static TestNode small;
    static TestNode medium;

    @BeforeAll
    static void startFabric() {
        nats = NatsTestServer.start(false, 0);
        Path jars = dir.resolve("jars");
        Path echo = FabricNodes.plugin(jars, "echo-r", "echo", 1);
        Path speakSmall = TestPlugins.provider("test.speak_small", "speak-small", "speak").models("small").languages("en-US")
                .voices("Alice").build(jars.resolve("speak-small.jar"));
        Path speakMedium = TestPlugins.provider("test.speak_medium", "speak-medium", "speak").models("medium").languages("de")
                .build(jars.resolve("speak-medium.jar"));
        Map<String, String> env = FabricNodes.env(nats, HEARTBEAT, Map.of());
        router = FabricNodes.start(dir.resolve("r"), "router", List.of(echo), env);
        small = FabricNodes.start(dir.resolve("s"), "small", List.of(speakSmall), env);
        medium = FabricNodes.start(dir.resolve("m"), "medium", List.of(speakMedium), env);
        await(() -> fabric(router).nodes(false).nodes().stream().filter(n -> n.status() == NodeStatus.OK).count() == 3,
                Duration.ofSeconds(10), "the router to see all three nodes ok");
    }

    @AfterAll
    static void stopFabric() {
        for (TestNode node : new TestNode[]{router, small, medium}) {
            if (node != null) {
                node.close();
            }
        }
        if (nats != null) {
            nats.close();
        }
    }

    @Test
    @Order(0)
    void everyNodeRecordCarriesItsVoicesAndHttpUrl() {
        JsonNode listed = null;
        for (JsonNode node : router.getJson("/v1/nodes").get("nodes")) {
            if (node.get("node_id").asText().equals("small")) {
                listed = node;
            }
        }
        JsonNode global = router.getJson("/v1/capabilities").at("/nodes/small");
        for (JsonNode record : new JsonNode[]{listed, global}) {
            assertEquals("http://127.0.0.1:" + small.kernel.port(), record.get("http_url").asText(), record.toString());
            assertEquals("Alice", record.at("/capabilities/speak/voices/0").asText(), record.toString());
        }
    }

    @Test
    @Order(1)
    void whatNoNodeOffersIs422WithoutRetryAfterNamingEveryNode() {
        for (String query : List.of("model=huge", "language=fr", "model=small&voice=carol", "model=small&language=de", "model=medium&language=en")) {
            HttpResponse<String> response = router.postJson("/v1/capability/speak?" + query, "{}");
            assertEquals(422, response.statusCode(), query + " → " + response.body());
            assertTrue(response.headers().firstValue("Retry-After").isEmpty(), query + " has no Retry-After");
            JsonNode error = TestNode.json(response.body()).get("error");
            assertEquals("not_offered", error.get("kind").asText());
            assertTrue(error.at("/details/nodes/small").asText().contains("does not offer"), response.body());
            assertTrue(error.at("/details/nodes/medium").asText().contains("does not offer"), response.body());
        }
        // a node that lists no voices takes any
        assertEquals("medium", TestNode.json(router.postJson("/v1/capability/speak?voice=carol", "{}").body()).get("node").asText());
        for (String query : List.of("model=small", "voice=ALICE", "language=en-us", "language=en", "model=medium&language=DE")) {
            HttpResponse<String> response = router.postJson("/v1/capability/speak?" + query, "{}");
            assertEquals(200, response.statusCode(), query + " → " + response.body());
        }
        // pinned: the node's own refusal comes back as it is
        HttpResponse<String> pinned = router.postJson("/v1/capability/speak?model=huge", "{}", "X-Capfabric-Node", "small");
        assertEquals(422, pinned.statusCode(), pinned.body());
        assertTrue(pinned.headers().firstValue("Retry-After").isEmpty());
    }

    @Test
    @Order(2)
    void whatOnlyANodeThatIsDownOffersIs503WithRetryAfter() {
        TestNode stopped = medium;
        medium = null;
        stopped.close();
        await(() -> fabric(router).nodes(false).nodes().stream().anyMatch(n -> n.nodeId().equals("medium") && n.status() == NodeStatus.GONE),
                Duration.ofSeconds(10), "the router to see 'medium' gone");
        HttpResponse<String> response = router.postJson("/v1/capability/speak?model=medium", "{}");
        assertEquals(503, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Retry-After").isPresent(), response.headers().toString());
        assertTrue(response.body().contains("gone"), response.body());
        HttpResponse<String> pinned = router.postJson("/v1/capability/speak", "{}", "X-Capfabric-Node", "medium");
        assertEquals(503, pinned.statusCode(), pinned.body());
        assertTrue(pinned.headers().firstValue("Retry-After").isPresent());
        assertEquals(422, router.postJson("/v1/capability/speak?model=huge", "{}").statusCode(), "still permanent");
    }
}
