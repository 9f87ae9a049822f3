package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.TestNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static dev.capfabric.kernel.fabric.FabricNodes.fabric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two nodes started with one node id hear each other's heartbeats on their own subject and report
 * themselves not ready, saying why, for as long as they hear each other; a node with an id of its own
 * stays ready beside them.
 */
class DuplicateNodeIdTest {

    private static final Duration HEARTBEAT = Duration.ofMillis(300);

    @TempDir
    Path dir;

    private final List<AutoCloseable> running = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : running.reversed()) {
            closeable.close();
        }
    }

    @Test
    void twoNodesWithOneIdAreBothNotReadyAndSayWhy() {
        NatsTestServer nats = NatsTestServer.start(false, 0);
        running.add(nats);
        Path jar = FabricNodes.plugin(dir.resolve("jars"), "echo-dup", "echo", 1);
        Map<String, String> env = FabricNodes.env(nats, HEARTBEAT, Map.of());
        TestNode first = FabricNodes.start(dir.resolve("first"), "twin", List.of(jar), env);
        running.add(first);
        TestNode other = FabricNodes.start(dir.resolve("other"), "single", List.of(jar), env);
        running.add(other);
        await(() -> first.get("/health/ready").statusCode() == 200, Duration.ofSeconds(10), "the first twin to be ready alone");

        TestNode second = FabricNodes.start(dir.resolve("second"), "twin", List.of(jar), env);
        running.add(second);

        for (TestNode twin : List.of(first, second)) {
            await(() -> !fabric(twin).sameIdElsewhere().isEmpty(), Duration.ofSeconds(10), "a twin to hear the other");
            HttpResponse<String> ready = twin.get("/health/ready");
            assertEquals(503, ready.statusCode(), ready.body());
            JsonNode health = TestNode.json(ready.body());
            assertTrue(health.toString().contains("another process uses node id 'twin'"), health.toPrettyString());
        }
        assertEquals(200, other.get("/health/ready").statusCode(), "a node with its own id is not affected");
        assertTrue(fabric(other).sameIdElsewhere().isEmpty());

        second.close();
        running.remove(second);
        await(() -> first.get("/health/ready").statusCode() == 200, Duration.ofSeconds(10),
                "the remaining twin to be ready again once the other is no longer heard");
    }
}
