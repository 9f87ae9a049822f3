package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static dev.capfabric.kernel.fabric.FabricNodes.fabric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A NATS server that requires a user and password: nodes with them join, a node without runs alone. */
class NatsAuthTest {

    @TempDir
    static Path dir;

    static NatsTestServer nats;
    static Path echo;

    @BeforeAll
    static void start() {
        nats = NatsTestServer.start(false, 0, "authorization {\n  user: fabric\n  password: \"s3cret-pw\"\n}\n");
        echo = FabricNodes.plugin(dir.resolve("jars"), "auth-echo", "auth-echo", 1);
    }

    @AfterAll
    static void stop() {
        if (nats != null) {
            nats.close();
        }
    }

    private static Map<String, String> env(String user, String password) {
        Map<String, String> env = new HashMap<>(FabricNodes.env(nats, Duration.ofMillis(500), Map.of()));
        if (user != null) {
            env.put("CAPFABRIC_NATS_USER", user);
            env.put("CAPFABRIC_NATS_PASSWORD", password);
        }
        return env;
    }

    @Test
    void nodesWithTheCredentialsJoinAndOffload() {
        try (TestNode a = FabricNodes.start(dir.resolve("a"), "a", List.of(), env("fabric", "s3cret-pw"));
             TestNode b = FabricNodes.start(dir.resolve("b"), "b", List.of(echo), env("fabric", "s3cret-pw"))) {
            await(() -> fabric(a).nodes(false).nodes().stream().anyMatch(n -> n.capabilities().containsKey("auth-echo")),
                    Duration.ofSeconds(10), "a to know b");
            assertEquals("b", a.postJson("/v1/capability/auth-echo", "{}").headers().firstValue("X-Capfabric-Node").orElseThrow());
            assertTrue(fabric(b).linkUp());
        }
    }

    @Test
    void aNodeWithAWrongPasswordRunsAloneAndSaysSo() {
        try (TestNode lonely = TestNode.start(dir.resolve("lonely"), "lonely", env("fabric", "wrong"))) {
            java.nio.file.Files.createDirectories(lonely.plugins);
            TestNode.sleep(1500);
            assertFalse(fabric(lonely).linkUp());
            assertTrue(lonely.get("/health/ready").body().contains("\"nats\":\"down\""));
            assertEquals(1, lonely.getJson("/v1/nodes").get("nodes").size());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
