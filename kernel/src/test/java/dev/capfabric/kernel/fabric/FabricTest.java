package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.http.Json;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.service.Discovery;
import io.nats.service.InfoResponse;
import io.nats.service.PingResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static dev.capfabric.kernel.fabric.FabricNodes.fabric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three kernels with different plugins on one real nats-server: a has {@code alpha}, b has
 * {@code beta} (model m1) and {@code shared}, c has {@code gamma} and {@code shared}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FabricTest {

    private static final Duration HEARTBEAT = Duration.ofMillis(500);

    @TempDir
    static Path dir;

    static NatsTestServer nats;
    static TestNode a;
    static TestNode b;
    static TestNode c;

    @BeforeAll
    static void startFabric() {
        nats = NatsTestServer.start(false, 0);
        Path jars = dir.resolve("jars");
        Path alpha = FabricNodes.plugin(jars, "alpha-a", "alpha", 1);
        Path beta = FabricNodes.plugin(jars, "beta-b", "beta", 1, "m1");
        Path gamma = FabricNodes.plugin(jars, "gamma-c", "gamma", 1);
        Path shared = FabricNodes.plugin(jars, "shared-echo", "shared", 2);
        Map<String, String> env = FabricNodes.env(nats, HEARTBEAT, Map.of());
        a = FabricNodes.start(dir.resolve("a"), "a", List.of(alpha), env);
        b = FabricNodes.start(dir.resolve("b"), "b", List.of(beta, shared), env);
        c = FabricNodes.start(dir.resolve("c"), "c", List.of(gamma, shared), env);
        for (TestNode node : List.of(a, b, c)) {
            await(() -> fabric(node).nodes(false).nodes().stream().filter(n -> n.status() == NodeStatus.OK).count() == 3,
                    Duration.ofSeconds(10), "node " + node.kernel.nodeId() + " to see all three nodes ok");
        }
    }

    @AfterAll
    static void stopFabric() {
        for (TestNode node : new TestNode[]{a, b, c}) {
            if (node != null) {
                node.close();
            }
        }
        if (nats != null) {
            nats.close();
        }
    }

    @Test
    void everyNodeSeesTheOthersInTheGlobalView() {
        for (TestNode node : List.of(a, b, c)) {
            JsonNode view = node.getJson("/v1/capabilities?fresh=true");
            assertEquals(node.kernel.nodeId(), view.get("local_node").asText());
            assertEquals(3, view.get("node_count").asInt(), view.toPrettyString());
            assertEquals(List.of("a"), ids(view.at("/capabilities/alpha")));
            assertEquals(List.of("b"), ids(view.at("/capabilities/beta")));
            assertEquals(List.of("b", "c"), ids(view.at("/capabilities/shared")));
            assertEquals("ok", view.at("/nodes/b/status").asText());
            assertTrue(view.at("/nodes/b/age_s").isNumber());
            assertEquals("m1", view.at("/nodes/b/capabilities/beta/models/0").asText());
            assertEquals(2, view.at("/nodes/c/load/concurrency/shared").asInt());
            assertFalse(view.get("updated_at").asText().isEmpty());
        }
        JsonNode nodes = a.getJson("/v1/nodes");
        Set<String> listed = new TreeSet<>();
        for (JsonNode node : nodes.get("nodes")) {
            listed.add(node.get("node_id").asText());
            assertEquals("ok", node.get("status").asText(), node.toPrettyString());
            assertTrue(node.has("load") && node.has("capabilities") && node.has("age_s"));
        }
        assertEquals(Set.of("a", "b", "c"), listed);
        assertEquals("a", nodes.at("/nodes/0/node_id").asText(), "the node itself comes first");
    }

    private static List<String> ids(JsonNode array) {
        List<String> ids = new ArrayList<>();
        array.forEach(id -> ids.add(id.asText()));
        return ids;
    }

    @Test
    void aJobForACapabilityOnlyBHasSentToAIsServedByB() {
        HttpResponse<String> response = a.postJson("/v1/capability/beta", "{\"text\":\"hello from a\"}");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(List.of("b"), response.headers().allValues("X-Capfabric-Node"));
        assertEquals("beta-b", response.headers().firstValue("X-Capfabric-Provider").orElseThrow());
        JsonNode body = TestNode.json(response.body());
        assertEquals("b", body.get("node").asText(), "the provider ran on b");
        assertEquals("hello from a", body.at("/params/text").asText(), "parameters travel in NATS headers");
        assertEquals("{\"text\":\"hello from a\"}", body.get("input").asText(), "the input travels as raw bytes");
    }

    @Test
    void aJobThisNodeCanServeStaysHere() {
        HttpResponse<String> response = a.postJson("/v1/capability/alpha", "{}");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("a", response.headers().firstValue("X-Capfabric-Node").orElseThrow());
    }

    @Test
    void nonAsciiParametersAndTheJobIdSurviveTheHop() {
        HttpResponse<String> response = a.postJson("/v1/capability/gamma?lang_hint=d%C3%A9j%C3%A0", "{\"text\":\"Grüße, 世界\\nline two\"}",
                "X-Capfabric-Job-Id", "job-unicode-1");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = TestNode.json(response.body());
        assertEquals("Grüße, 世界\nline two", body.at("/params/text").asText());
        assertEquals("déjà", body.at("/params/lang_hint").asText());
        assertEquals("job-unicode-1", response.headers().firstValue("X-Capfabric-Job-Id").orElseThrow());
    }

    @Test
    void aPinnedNodeGetsTheJobOrTheCallerAClearError() {
        for (String target : List.of("b", "c")) {
            HttpResponse<String> response = a.postJson("/v1/capability/shared", "{}", "X-Capfabric-Node", target);
            assertEquals(200, response.statusCode(), response.body());
            assertEquals(target, response.headers().firstValue("X-Capfabric-Node").orElseThrow());
        }
        HttpResponse<String> nowhere = a.postJson("/v1/capability/shared", "{}", "X-Capfabric-Node", "no-such-node");
        assertEquals(503, nowhere.statusCode(), nowhere.body());
        assertTrue(nowhere.body().contains("no-such-node"), nowhere.body());
        HttpResponse<String> lacking = a.postJson("/v1/capability/beta", "{}", "X-Capfabric-Node", "c");
        assertEquals(503, lacking.statusCode(), "c answers that it cannot serve beta: " + lacking.body());
    }

    @Test
    void aRequestedModelNoNodeOffersIsA422ThatSaysWhyEachNodeWasSkipped() {
        HttpResponse<String> response = a.postJson("/v1/capability/beta?model=m2", "{}");
        assertEquals(422, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Retry-After").isEmpty(), "asking again cannot help");
        JsonNode error = TestNode.json(response.body()).get("error");
        assertEquals("not_offered", error.get("kind").asText());
        assertTrue(error.at("/details/nodes/b").asText().contains("model 'm2'"), error.toPrettyString());
        assertTrue(error.at("/details/nodes/a").asText().contains("no usable provider"), error.toPrettyString());
        assertEquals(200, a.postJson("/v1/capability/beta?model=m1", "{}").statusCode());
    }

    @Test
    void aCapabilityNoNodeKnowsIsStillA404() {
        assertEquals(404, a.postJson("/v1/capability/nothing-here", "{}").statusCode());
    }

    @Test
    void aNodeThatFailsBeforeAnsweringIsReplacedOnceByTheNextBest() throws Exception {
        HttpResponse<String> response = a.postJson("/v1/capability/shared?fail=unavailable", "{}", "X-Capfabric-Job-Id", "retried-job");
        assertEquals(503, response.statusCode(), response.body());
        JsonNode nodes = TestNode.json(response.body()).at("/error/details/nodes");
        assertTrue(nodes.get("b").asText().startsWith("tried: answered 503"), nodes.toPrettyString());
        assertTrue(nodes.get("c").asText().startsWith("tried: answered 503"), nodes.toPrettyString());
        for (TestNode node : List.of(b, c)) {
            List<String> seen = Files.readAllLines(node.home.resolve("work/data/shared-echo/seen.log"));
            assertEquals(1, seen.stream().filter("retried-job"::equals).count(), "each node ran it once: " + seen);
        }
    }

    @Test
    void aCallerLeavingStopsTheJobOnTheNodeItWasOffloadedTo() throws Exception {
        String body = "{\"text\":\"left\"}";
        String request = "POST /v1/capability/beta?sleep_ms=60000 HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nX-Capfabric-Job-Id: abandoned-offload\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body;
        try (java.net.Socket client = new java.net.Socket("127.0.0.1", a.kernel.port())) {
            client.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
            b.awaitCaps(caps -> caps.at("/load/inflight/beta").asInt() == 1, Duration.ofSeconds(10), "the job to run on b");
        }
        // the job would hold b's provider for a minute: a tells b, b's provider sees job.cancellation() and stops
        b.awaitCaps(caps -> caps.at("/load/inflight/beta").asInt() == 0, Duration.ofSeconds(15), "the job on b to stop");
        assertTrue(Files.readAllLines(b.home.resolve("work/data/beta-b/seen.log")).contains("abandoned-offload"));
        assertEquals(200, a.postJson("/v1/capability/beta", "{}").statusCode(), "b serves on");
    }

    @Test
    void everyNodeIsANatsServiceThatStandardToolingSees() throws Exception {
        Connection tool = Nats.connect(nats.url());
        try {
            Discovery discovery = new Discovery(tool, 1000, 3);
            List<PingResponse> pings = discovery.ping("capfabric");
            Set<String> nodes = new TreeSet<>();
            pings.forEach(ping -> nodes.add(ping.getMetadata().get("node_id")));
            assertEquals(Set.of("a", "b", "c"), nodes);
            InfoResponse info = discovery.info("capfabric").stream()
                    .filter(i -> "b".equals(i.getMetadata().get("node_id"))).findFirst().orElseThrow();
            Set<String> subjects = new TreeSet<>();
            info.getEndpoints().forEach(endpoint -> subjects.add(endpoint.getSubject()));
            assertEquals(Set.of("capfabric.node.b.caps", "capfabric.node.b.cap.beta", "capfabric.node.b.cap.shared"), subjects);
            assertEquals("beta,shared", info.getMetadata().get("capabilities"));
        } finally {
            tool.close();
        }
    }

    @Test
    void aHeartbeatWhoseBodyNamesAnotherNodeIsDropped() throws Exception {
        long before = fabric(a).mismatchedHeartbeats();
        Heartbeat impostor = new Heartbeat("impostor", 0, "2026-01-01T00:00:00Z", 500, "x", false, FabricLoad.none(),
                NodeRegistryTest.caps("impostor", "alpha"));
        Connection raw = Nats.connect(nats.url());
        try {
            raw.publish("capfabric.node.b.heartbeat", Json.bytes(impostor));
            raw.flush(Duration.ofSeconds(1));
        } finally {
            raw.close();
        }
        await(() -> fabric(a).mismatchedHeartbeats() > before, Duration.ofSeconds(5), "the mismatch to be counted");
        assertEquals(NodeStatus.UNKNOWN, fabric(a).status("impostor"));
        assertTrue(fabric(a).nodes(false).nodes().stream().noneMatch(n -> n.nodeId().equals("impostor")));
        assertEquals(NodeStatus.OK, fabric(a).status("b"), "b itself is unaffected");
    }

    @Test
    void aPayloadAboveTheMaxPayloadWithoutJetStreamIsAClear503() {
        byte[] big = new byte[1536 * 1024]; // above nats-server's default 1 MiB max payload; this server runs without JetStream
        HttpResponse<String> response = a.post("/v1/capability/beta", "application/octet-stream", big);
        assertEquals(503, response.statusCode(), response.body());
        assertTrue(response.body().contains("JetStream"), response.body());
    }

    @Test
    void readinessIncludesTheNatsLink() {
        JsonNode health = TestNode.json(a.get("/health/ready").body());
        assertTrue(health.toString().contains("\"nats\":\"up\""), health.toPrettyString());
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void aNodeStoppingGracefullySaysByeAndIsGoneAtOnce() {
        c.close();
        await(() -> fabric(a).status("c") == NodeStatus.GONE, Duration.ofMillis(HEARTBEAT.toMillis() * 2),
                "c to be gone in a's registry long before it could go stale");
        HttpResponse<String> response = a.postJson("/v1/capability/shared", "{}");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("b", response.headers().firstValue("X-Capfabric-Node").orElseThrow());
        c = null;
    }
}
