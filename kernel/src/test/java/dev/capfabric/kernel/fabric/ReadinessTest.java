package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Readiness = this node can serve a capability, locally or (a router-only node) through a peer. */
class ReadinessTest {

    private static final Duration HEARTBEAT = Duration.ofMillis(500);

    @TempDir
    Path dir;

    @Test
    void aNodeWithAUsableProviderIsReadyWhileItsNatsIsUnreachable() throws Exception {
        int dead;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = free.getLocalPort();
        }
        Path jar = FabricNodes.plugin(dir.resolve("jars"), "local-echo", "echo", 1);
        java.nio.file.Files.createDirectories(dir.resolve("node/plugins"));
        java.nio.file.Files.copy(jar, dir.resolve("node/plugins/local-echo.jar"));
        try (TestNode node = TestNode.start(dir.resolve("node"), "no-nats", Map.of("CAPFABRIC_NATS_URL", "nats://127.0.0.1:" + dead))) {
            assertEquals(200, node.postJson("/v1/capability/echo", "{}").statusCode(), "it serves jobs");
            HttpResponse<String> ready = node.get("/health/ready");
            assertEquals(200, ready.statusCode(), ready.body());
            assertEquals("down", TestNode.json(ready.body()).at("/checks/0/data/nats").asText(), ready.body());
        }
    }

    @Test
    void aRouterOnlyNodeIsReadyExactlyWhileAPeerCanServe() {
        try (NatsTestServer nats = NatsTestServer.start(false, 0)) {
            Map<String, String> env = FabricNodes.env(nats, HEARTBEAT, Map.of());
            try (TestNode router = FabricNodes.start(dir.resolve("router"), "router", List.of(), env)) {
                HttpResponse<String> alone = router.get("/health/ready");
                assertEquals(503, alone.statusCode(), "no provider here and no peer: " + alone.body());

                TestNode worker = FabricNodes.start(dir.resolve("worker"), "worker",
                        List.of(FabricNodes.plugin(dir.resolve("jars"), "far-echo", "echo", 1)), env);
                try {
                    await(() -> router.get("/health/ready").statusCode() == 200, Duration.ofSeconds(10),
                            "the router to be ready once a capable peer is heard");
                    assertEquals(200, router.postJson("/v1/capability/echo", "{}").statusCode(), "and it routes a job there");
                } finally {
                    worker.close();
                }
                await(() -> router.get("/health/ready").statusCode() == 503, Duration.ofSeconds(10),
                        "the router to be not ready once its only capable peer left");
            }
        }
    }
}
