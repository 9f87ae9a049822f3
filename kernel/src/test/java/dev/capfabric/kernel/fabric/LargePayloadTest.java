package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.TestNode;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.ObjectStore;
import io.nats.client.api.ObjectInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Payloads above the connection's max payload (64 KiB on this server) travel by reference through a
 * JetStream Object Store bucket, both ways, and are deleted after use.
 */
class LargePayloadTest {

    private static final int MAX_PAYLOAD = 64 * 1024;

    @TempDir
    static Path dir;

    static NatsTestServer nats;
    static TestNode a;
    static TestNode b;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        nats = NatsTestServer.start(true, MAX_PAYLOAD);
        Path blob = FabricNodes.plugin(dir.resolve("jars"), "blob-echo", "blob", 2);
        Map<String, String> env = FabricNodes.env(nats, Duration.ofMillis(500), Map.of("CAPFABRIC_FABRIC_PAYLOADS_STORAGE", "memory"));
        a = FabricNodes.start(dir.resolve("a"), "a", List.of(), env);
        b = FabricNodes.start(dir.resolve("b"), "b", List.of(blob), env);
        await(() -> FabricNodes.fabric(a).status("b") == NodeStatus.OK
                        && FabricNodes.fabric(a).nodes(false).nodes().stream().anyMatch(n -> n.capabilities().containsKey("blob")),
                Duration.ofSeconds(10), "a to know b's blob capability");
    }

    @AfterAll
    static void stop() {
        for (TestNode node : new TestNode[]{a, b}) {
            if (node != null) {
                node.close();
            }
        }
        if (nats != null) {
            nats.close();
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void aPayloadAboveTheMaxPayloadTravelsByReferenceAndBackIntact() throws Exception {
        byte[] input = new byte[5 * MAX_PAYLOAD + 123];
        new Random(42).nextBytes(input);
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(a.uri("/v1/capability/blob?echo_bytes=1"))
                .header("Content-Type", "application/octet-stream")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(input)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode(), new String(response.body()));
        assertEquals("b", response.headers().firstValue("X-Capfabric-Node").orElseThrow());
        assertEquals("application/octet-stream", response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(input.length, response.body().length);
        assertEquals(sha256(input), sha256(response.body()));
        assertStoreEmptied();
    }

    @Test
    void largeParametersAndALargeJsonResultTravelByReferenceToo() throws Exception {
        String text = "ü".repeat(30_000);
        HttpResponse<String> response = a.postJson("/v1/capability/blob", "{\"text\":\"" + text + "\"}");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("b", response.headers().firstValue("X-Capfabric-Node").orElseThrow());
        JsonNode body = TestNode.json(response.body());
        assertEquals(text, body.at("/params/text").asText(), "parameters of ~180 KiB as escaped JSON went by reference");
        assertTrue(response.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_PAYLOAD,
                "the JSON result (~120 KiB) came back by reference");
        assertStoreEmptied();
    }

    private static void assertStoreEmptied() throws Exception {
        Connection tool = Nats.connect(nats.url());
        try {
            ObjectStore store = tool.objectStore("capfabric-payloads");
            await(() -> {
                try {
                    return store.getList().stream().noneMatch(info -> !info.isDeleted());
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(5), "every object in transit to be deleted after use");
            List<ObjectInfo> left = store.getList();
            assertTrue(left.stream().allMatch(ObjectInfo::isDeleted), left.toString());
        } finally {
            tool.close();
        }
    }
}
