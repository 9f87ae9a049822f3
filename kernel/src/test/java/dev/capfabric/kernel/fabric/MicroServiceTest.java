package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code capfabric} NATS service as the official nats.js services client sees it: every PING, INFO
 * and STATS reply validates against the micro v1 JSON schemas (counters present at zero, metadata all
 * strings); {@code processing_time} covers the job, error replies count; a draining node says so; a
 * change of capabilities keeps the service's id and counters.
 */
class MicroServiceTest {

    @TempDir
    static Path dir;

    static NatsTestServer nats;
    static TestNode router;
    static TestNode worker;
    static RouterAndWorker fleet;

    @BeforeAll
    static void start() {
        nats = NatsTestServer.start(false, 1024 * 1024);
        Path echo = FabricNodes.plugin(dir.resolve("jars"), "echo-one", "echo", 2);
        Map<String, String> env = FabricNodes.env(nats, Duration.ofMillis(300), Map.of("CAPFABRIC_FABRIC_ADMIN_ENABLED", "true"));
        fleet = RouterAndWorker.start(dir, nats, List.of(echo), env, "echo");
        router = fleet.router();
        worker = fleet.worker();
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        } else if (nats != null) {
            nats.close();
        }
    }

    /** PING, INFO and STATS of every capfabric instance through nats.js, schema-checked. */
    static JsonNode micro() throws Exception {
        return micro("capfabric");
    }

    static JsonNode micro(String service) throws Exception {
        JsonNode replies = TestNode.json(NodeScripts.run("micro-check.cjs", nats.url(),
                Path.of("src/test/resources/nats-micro-v1").toAbsolutePath().toString(), service));
        assertEquals(0, replies.get("errors").size(), "replies that break the micro v1 schemas: " + replies.get("errors").toPrettyString());
        return replies;
    }

    static JsonNode of(JsonNode replies, String verb, String nodeId) {
        for (JsonNode reply : replies.get(verb)) {
            if (nodeId.equals(reply.path("metadata").path("node_id").asText())) {
                return reply;
            }
        }
        throw new AssertionError("no " + verb + " reply from " + nodeId + ": " + replies.toPrettyString());
    }

    static JsonNode endpoint(JsonNode stats, String name) {
        for (JsonNode endpoint : stats.get("endpoints")) {
            if (endpoint.get("name").asText().equals(name)) {
                return endpoint;
            }
        }
        throw new AssertionError("no endpoint " + name + " in " + stats.toPrettyString());
    }

    @Test
    void everyReplyValidatesAgainstTheMicroV1SchemasEvenBeforeAnyRequest() throws Exception {
        JsonNode replies = micro();
        assertEquals(2, replies.get("ping").size(), replies.toPrettyString());
        JsonNode routerStats = of(replies, "stats", "router");
        JsonNode caps = endpoint(routerStats, "caps");
        for (String counter : List.of("num_requests", "num_errors", "processing_time", "average_processing_time")) {
            assertTrue(caps.get(counter).isIntegralNumber(), counter + " is present at zero: " + caps);
        }
        assertEquals("", caps.get("last_error").asText());
        JsonNode info = of(replies, "info", "worker");
        JsonNode echo = endpoint(info, "echo");
        assertTrue(echo.get("metadata").get("models").isTextual(), "models is a string, never null: " + echo);
        assertEquals("ok", info.get("metadata").get("status").asText());
    }

    @Test
    void processingTimeCoversTheJobAndErrorRepliesCount() throws Exception {
        JsonNode before = endpoint(of(micro(), "stats", "worker"), "echo");
        assertEquals(200, router.postJson("/v1/capability/echo", "{\"sleep_ms\": \"400\"}").statusCode());
        assertEquals(400, router.postJson("/v1/capability/echo", "{\"fail\": \"bad_input\"}").statusCode());
        assertEquals(422, router.postJson("/v1/capability/echo", "{\"fail\": \"unprocessable\"}").statusCode());

        JsonNode after = endpoint(of(micro(), "stats", "worker"), "echo");
        assertEquals(before.get("num_requests").asLong() + 3, after.get("num_requests").asLong(), after.toString());
        assertEquals(before.get("num_errors").asLong() + 2, after.get("num_errors").asLong(), after.toString());
        assertTrue(after.get("last_error").asText().contains("unprocessable"), after.toString());
        long spent = after.get("processing_time").asLong() - before.get("processing_time").asLong();
        assertTrue(spent >= 400_000_000L, "the 400 ms job is in processing_time (ns): " + spent);
    }

    @Test
    void aDrainingNodeSaysSoAndACapabilityChangeKeepsTheServiceAndItsCounters() throws Exception {
        assertEquals(200, router.postJson("/v1/capability/echo", "{}").statusCode());
        JsonNode stats = of(micro(), "stats", "worker");
        long served = endpoint(stats, "echo").get("num_requests").asLong();
        assertTrue(served >= 1);

        FabricNodes.plugin(worker.plugins, "other-one", "other", 1);
        await(() -> FabricNodes.fabric(worker).service().info().metadata().get("capabilities").contains("other"),
                Duration.ofSeconds(15), "the service to show the new capability");
        JsonNode changed = of(micro(), "stats", "worker");
        assertEquals("echo,other", changed.get("metadata").get("capabilities").asText(), changed.toString());
        assertEquals(stats.get("id").asText(), changed.get("id").asText(), "one service for the node's life");
        assertEquals(served, endpoint(changed, "echo").get("num_requests").asLong(), "echo's counters survive the change");
        assertEquals(0, endpoint(changed, "other").get("num_requests").asLong());

        FabricNodes.fabric(worker).drain();
        try {
            JsonNode info = of(micro(), "info", "worker");
            assertEquals("draining", info.get("metadata").get("status").asText(), info.toString());
            assertEquals("draining", of(micro(), "ping", "worker").get("metadata").get("status").asText());
        } finally {
            FabricNodes.fabric(worker).undrain();
        }
        assertEquals("ok", of(micro(), "info", "worker").get("metadata").get("status").asText());
    }

    @Test
    void theAdminServiceValidatesToo() throws Exception {
        JsonNode replies = micro("capfabric-admin");
        assertEquals(2, replies.get("stats").size(), replies.toPrettyString());
        JsonNode drain = endpoint(of(replies, "stats", "worker"), "drain");
        assertEquals(0, drain.get("num_requests").asLong(), drain.toString());
    }
}
