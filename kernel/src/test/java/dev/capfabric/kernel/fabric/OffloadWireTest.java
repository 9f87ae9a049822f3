package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.TestNode;
import io.nats.client.Connection;
import io.nats.client.Nats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The offload wire as the README documents it, driven by nats.js: a JSON body with no capfabric
 * headers at all runs as over HTTP, and a payload above the max payload travels through the Object
 * Store bucket that the node (not the client) created.
 */
class OffloadWireTest {

    @TempDir
    static Path dir;

    static NatsTestServer nats;
    static TestNode worker;

    @BeforeAll
    static void start() {
        nats = NatsTestServer.start(true, 1024 * 1024);
        Path echo = FabricNodes.plugin(dir.resolve("jars"), "echo-one", "echo", 2);
        worker = FabricNodes.start(dir.resolve("worker"), "worker", List.of(echo),
                FabricNodes.env(nats, Duration.ofMillis(300), Map.of("CAPFABRIC_FABRIC_PAYLOADS_STORAGE", "memory")));
        FabricNodes.await(() -> FabricNodes.fabric(worker).service().info().endpoints().stream().anyMatch(e -> e.name().equals("echo")),
                Duration.ofSeconds(10), "the echo endpoint");
    }

    @AfterAll
    static void stop() {
        if (worker != null) {
            worker.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    static JsonNode offload(String mode, String arg) throws Exception {
        return TestNode.json(NodeScripts.run("offload.cjs", nats.url(), "capfabric.node.worker.cap.echo", mode, arg));
    }

    @Test
    void theNodeCreatesThePayloadBucketWhenItJoins() throws Exception {
        try (Connection tool = Nats.connect(nats.url())) {
            FabricNodes.await(() -> {
                try {
                    return tool.objectStoreManagement().getBucketNames().contains("capfabric-payloads");
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(10), "the bucket capfabric-payloads, before any large payload");
        }
    }

    @Test
    void aJsonBodyWithoutCapfabricHeadersRunsAsOverHttp() throws Exception {
        JsonNode reply = offload("json", "{\"text\": \"h\u00e9llo\", \"count\": 3, \"nested\": {\"skipped\": true}}");
        assertEquals("200", reply.at("/headers/Capfabric-Status").asText(), reply.toString());
        assertEquals("worker", reply.at("/headers/Capfabric-Node").asText());
        assertEquals("echo-one", reply.at("/headers/Capfabric-Provider").asText());
        assertEquals("json", reply.at("/headers/Capfabric-Result").asText());
        JsonNode result = TestNode.json(reply.get("body").asText());
        assertEquals("h\u00e9llo", result.at("/params/text").asText(), result.toString());
        assertEquals("3", result.at("/params/count").asText());
        assertFalse(result.get("params").has("nested"), "nested values are no parameters, as over HTTP");
    }

    @Test
    void aMalformedJsonBodyIsA400WithTheNatsServiceErrorHeaders() throws Exception {
        for (String body : List.of("{\"text\": ", "[1, 2]", "{\"a\": 1} trailing")) {
            JsonNode reply = offload("json", body);
            assertEquals("400", reply.at("/headers/Capfabric-Status").asText(), body + " -> " + reply);
            assertEquals("bad_input", reply.at("/headers/Capfabric-Kind").asText());
            assertEquals("400", reply.at("/headers/Nats-Service-Error-Code").asText());
        }
    }

    @Test
    void aPayloadAboveTheMaxPayloadGoesThroughTheBucketBothWays() throws Exception {
        JsonNode reply = offload("large", String.valueOf(1536 * 1024));
        assertEquals("200", reply.at("/headers/Capfabric-Status").asText(), reply.toString());
        assertTrue(reply.get("output_by_reference").asBoolean(), "the echoed 1.5 MiB came back by reference: " + reply);
        assertEquals(reply.get("sha256_in").asText(), reply.get("sha256_out").asText());
    }
}
