package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.SseEvents;
import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.TestPlugins;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An edge site: a nats-server that is a leaf node of the hub's server (the configuration docs/JOBS.md
 * gives), node {@code edge} on the leaf without any provider, node {@code hub} on the hub with one. The
 * fabric spans the leaf connection: edge hears hub's heartbeats, a synchronous job submitted at the edge
 * runs on the hub (its events streamed back), and a durable job submitted at the edge lands in the hub's
 * JetStream (the leaf has none of its own; the edge node names the hub's JetStream domain) and runs on the hub.
 */
class LeafNodeTest {

    @TempDir
    static Path dir;

    static NatsTestServer hubServer;
    static NatsTestServer leafServer;
    static TestNode hub;
    static TestNode edge;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        int leafPort = NatsTestServer.freePort();
        // the hub's JetStream names its domain, so that the edge's requests can address it across the leaf connection
        hubServer = NatsTestServer.start(false, 0, "jetstream {\n  store_dir: \"" + dir.resolve("hub-js") + "\"\n  domain: hub\n}\n"
                + "leafnodes {\n  listen: 127.0.0.1:" + leafPort + "\n}\n");
        leafServer = NatsTestServer.start(false, 0, "leafnodes {\n  remotes: [ { urls: [\"nats-leaf://127.0.0.1:" + leafPort
                + "\"] } ]\n}\n");
        Path jar = TestPlugins.provider("test.pieces", "pieces-one", "pieces").concurrency(2).build(dir.resolve("jars/pieces.jar"));
        Map<String, String> jobs = Map.of("CAPFABRIC_JOBS_MEMORY", "true");
        hub = FabricNodes.start(dir.resolve("hub"), "hub", List.of(jar), FabricNodes.env(hubServer, Duration.ofMillis(300), jobs));
        edge = FabricNodes.start(dir.resolve("edge"), "edge", List.of(), FabricNodes.env(leafServer, Duration.ofMillis(300),
                Map.of("CAPFABRIC_JOBS_MEMORY", "true", "CAPFABRIC_JOBS_DOMAIN", "hub")));
        await(() -> FabricNodes.fabric(edge).nodes(false).nodes().stream()
                        .anyMatch(n -> n.nodeId().equals("hub") && n.capabilities().containsKey("pieces")),
                Duration.ofSeconds(20), "edge to hear the hub node across the leaf connection");
    }

    @AfterAll
    static void stop() {
        for (TestNode node : new TestNode[]{edge, hub}) {
            if (node != null) {
                node.close();
            }
        }
        for (NatsTestServer server : new NatsTestServer[]{leafServer, hubServer}) {
            if (server != null) {
                server.close();
            }
        }
    }

    @Test
    void aSynchronousJobSubmittedAtTheEdgeRunsOnTheHub() throws Exception {
        var answer = edge.post("/v1/capability/pieces?tag=edge", "text/plain", "from the edge".getBytes(StandardCharsets.UTF_8));
        assertEquals(200, answer.statusCode(), answer.body());
        assertEquals("hub", answer.headers().firstValue("X-Capfabric-Node").orElseThrow());
        assertEquals("from the edge", TestNode.json(answer.body()).get("input").asText());

        // followed: its progress and pieces come back across the leaf connection too
        HttpRequest request = HttpRequest.newBuilder(edge.uri("/v1/capability/pieces?pieces=3&piece_ms=20"))
                .header("Accept", "text/event-stream").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("hi")).timeout(Duration.ofSeconds(30)).build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        List<SseEvents.Received> events;
        try (InputStream in = response.body()) {
            events = SseEvents.read(in, 100);
        }
        assertEquals(List.of("progress", "partial", "progress", "partial", "progress", "partial", "result"),
                events.stream().map(SseEvents.Received::name).toList());
        assertEquals("hub", events.getLast().data().get("node").asText());
    }

    @Test
    void aDurableJobSubmittedAtTheEdgeRunsOnTheHubThroughTheHubsJetStream() {
        HttpResponse<String> accepted = edge.post("/v1/jobs/pieces?tag=durable", "text/plain", "kept".getBytes(StandardCharsets.UTF_8));
        assertEquals(202, accepted.statusCode(), accepted.body());
        String id = TestNode.json(accepted.body()).get("id").asText();
        JsonNode ended = DurableJobsTest.awaitEnded(edge, id, Duration.ofSeconds(30));
        assertEquals("succeeded", ended.get("status").asText(), ended.toString());
        assertEquals("hub", ended.get("node").asText());
        HttpResponse<String> result = edge.get("/v1/jobs/" + id + "/result");
        assertEquals(200, result.statusCode());
        assertEquals("kept", TestNode.json(result.body()).get("input").asText());
        assertEquals(TestNode.json(hub.get("/v1/jobs/" + id).body()), ended, "the same state read at the hub");
    }
}
