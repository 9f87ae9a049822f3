package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Admission by expected wait in a fabric: a job this node could not serve before its deadline is not
 * queued here to end in 504 but offloaded to a peer that can take it.
 */
class OverloadOffloadTest {

    @TempDir
    static Path dir;

    static NatsTestServer nats;
    static TestNode busy;
    static TestNode idle;

    @BeforeAll
    static void start() {
        nats = NatsTestServer.start(false, 0);
        Path jar = FabricNodes.plugin(dir.resolve("jars"), "slow-echo", "slow", 1);
        Map<String, String> env = FabricNodes.env(nats, Duration.ofMillis(300), Map.of());
        busy = FabricNodes.start(dir.resolve("busy"), "busy", List.of(jar), env);
        idle = FabricNodes.start(dir.resolve("idle"), "idle", List.of(jar), env);
        await(() -> FabricNodes.fabric(busy).nodes(false).nodes().stream()
                        .anyMatch(n -> n.nodeId().equals("idle") && n.capabilities().containsKey("slow")),
                Duration.ofSeconds(10), "busy to know idle's capability");
    }

    @AfterAll
    static void stop() {
        for (TestNode node : new TestNode[]{busy, idle}) {
            if (node != null) {
                node.close();
            }
        }
        if (nats != null) {
            nats.close();
        }
    }

    @Test
    void aJobTheLocalQueueWouldMakeLateGoesToAPeer() throws Exception {
        for (int i = 0; i < 6; i++) {
            // the busy node learns its service time: about 200 ms
            assertEquals(200, busy.postJson("/v1/capability/slow?sleep_ms=200", "{}", "X-Capfabric-Node", "busy").statusCode());
        }
        // the peer's engine is warm too, so what is measured is the routing
        assertEquals(200, idle.postJson("/v1/capability/slow", "{}", "X-Capfabric-Node", "idle").statusCode());
        List<CompletableFuture<HttpResponse<String>>> backlog = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            backlog.add(CompletableFuture.supplyAsync(() -> busy.postJson("/v1/capability/slow?sleep_ms=200", "{}",
                    "X-Capfabric-Node", "busy", "X-Request-Timeout", "20000")));
        }
        busy.awaitCaps(c -> c.at("/load/queue_depth/slow").asInt() >= 9, Duration.ofSeconds(5), "a backlog on the busy node");

        // about 10 jobs ahead × 200 ms: no way to serve it here within 1.5 s
        HttpResponse<String> offloaded = busy.postJson("/v1/capability/slow?sleep_ms=50", "{}", "X-Request-Timeout", "1500");
        assertEquals(200, offloaded.statusCode(), offloaded.body());
        assertEquals("idle", offloaded.headers().firstValue("X-Capfabric-Node").orElseThrow(),
                "the peer served what this node's queue would have made late");
        for (CompletableFuture<HttpResponse<String>> job : backlog) {
            assertEquals(200, job.get().statusCode());
        }
    }
}
