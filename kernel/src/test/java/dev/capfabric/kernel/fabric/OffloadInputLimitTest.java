package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.TestPlugins;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.ObjectStore;
import io.nats.client.api.ObjectMeta;
import io.nats.client.impl.Headers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code maxInputBytes} holds over the fabric: a node refuses an offloaded input above its providers'
 * limit with 413 (one sent by reference before fetching it), and a router refuses at its HTTP edge an
 * input no node of the fabric takes.
 */
class OffloadInputLimitTest {

    private static final int MAX_PAYLOAD = 64 * 1024;
    private static final int LIMIT = 16 * 1024;

    @TempDir
    static Path dir;

    static NatsTestServer nats;
    static TestNode router;
    static TestNode worker;
    static RouterAndWorker fleet;

    @BeforeAll
    static void start() {
        nats = NatsTestServer.start(true, MAX_PAYLOAD);
        Path jar = TestPlugins.provider("test.limited", "limited-echo", "limited").maxInputBytes(LIMIT)
                .build(dir.resolve("jars/limited.jar"));
        Map<String, String> env = FabricNodes.env(nats, Duration.ofMillis(500), Map.of("CAPFABRIC_FABRIC_PAYLOADS_STORAGE", "memory"));
        fleet = RouterAndWorker.start(dir, nats, List.of(jar), env, "limited");
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

    private static Message offload(Connection client, Headers extra, byte[] body) throws Exception {
        Headers headers = new Headers().put("Capfabric-Timeout-Ms", "10000").put("Capfabric-Job-Id", "limit-" + System.nanoTime())
                .put("Content-Type", "application/octet-stream");
        extra.entrySet().forEach(e -> headers.put(e.getKey(), e.getValue()));
        return client.request("capfabric.node.worker.cap.limited", headers, body, Duration.ofSeconds(10));
    }

    @Test
    void anInlineInputAboveTheLimitIsRefusedWith413() throws Exception {
        try (Connection client = Nats.connect(nats.url())) {
            Message refused = offload(client, new Headers(), new byte[LIMIT + 1]);
            assertEquals("413", refused.getHeaders().getFirst("Capfabric-Status"), new String(refused.getData()));
            assertEquals("too_large", refused.getHeaders().getFirst("Capfabric-Kind"));
            Message served = offload(client, new Headers(), new byte[LIMIT]);
            assertEquals("200", served.getHeaders().getFirst("Capfabric-Status"), new String(served.getData()));
        }
    }

    @Test
    void anInputByReferenceAboveTheLimitIsRefusedWith413() throws Exception {
        try (Connection client = Nats.connect(nats.url())) {
            // any job that went by reference before created the bucket; make sure it exists
            HttpResponse<String> warm = router.post("/v1/capability/limited", "application/octet-stream", new byte[10]);
            assertEquals(200, warm.statusCode(), warm.body());
            try {
                client.objectStoreManagement().getStatus("capfabric-payloads");
            } catch (Exception missing) {
                client.objectStoreManagement().create(io.nats.client.api.ObjectStoreConfiguration.builder("capfabric-payloads")
                        .storageType(io.nats.client.api.StorageType.Memory).build());
            }
            ObjectStore store = client.objectStore("capfabric-payloads");
            store.put(ObjectMeta.builder("too-large-input").chunkSize(32 * 1024).build(), new ByteArrayInputStream(new byte[200 * 1024]));
            Message refused = offload(client, new Headers().put("Capfabric-Input-Ref", "too-large-input"), new byte[0]);
            assertEquals("413", refused.getHeaders().getFirst("Capfabric-Status"), new String(refused.getData()));
            assertTrue(new String(refused.getData()).contains(String.valueOf(LIMIT)), new String(refused.getData()));
        }
    }

    @Test
    void theRouterRefusesAtItsEdgeAnInputNoNodeTakes() {
        HttpResponse<String> refused = router.post("/v1/capability/limited", "application/octet-stream", new byte[LIMIT + 1]);
        assertEquals(413, refused.statusCode(), refused.body());
        assertEquals("too_large", TestNode.json(refused.body()).at("/error/kind").asText());
        HttpResponse<String> served = router.post("/v1/capability/limited", "application/octet-stream", new byte[LIMIT]);
        assertEquals(200, served.statusCode(), served.body());
        assertEquals("worker", served.headers().firstValue("X-Capfabric-Node").orElseThrow());
    }
}
