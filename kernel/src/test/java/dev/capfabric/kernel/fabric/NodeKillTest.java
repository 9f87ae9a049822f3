package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.TestNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static dev.capfabric.kernel.fabric.FabricNodes.fabric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node killed with SIGKILL while it holds offloaded jobs: a separate JVM running the kernel's
 * {@code Main} from the test's module path. Node a routes, b (the process) and c both serve
 * {@code slow}.
 */
class NodeKillTest {

    private static final Duration HEARTBEAT = Duration.ofMillis(500);
    private static final long JOB_MS = 2500;
    private static final long DEADLINE_MS = 15_000;

    @TempDir
    Path dir;

    private NatsTestServer nats;
    private final List<TestNode> nodes = new ArrayList<>();
    private NodeProcess killed;

    @AfterEach
    void stop() {
        if (killed != null) {
            killed.close();
        }
        nodes.forEach(TestNode::close);
        if (nats != null) {
            nats.close();
        }
    }

    @Test
    void everyJobHeldByAKilledNodeStillGetsAnAnswerWithinItsDeadline() throws Exception {
        nats = NatsTestServer.start(false, 0);
        Path slow = FabricNodes.plugin(dir.resolve("jars"), "slow-echo", "slow", 2);
        Map<String, String> env = FabricNodes.env(nats, HEARTBEAT, Map.of());
        TestNode a = FabricNodes.start(dir.resolve("a"), "a", List.of(), env);
        nodes.add(a);
        nodes.add(FabricNodes.start(dir.resolve("c"), "c", List.of(slow), env));
        Path bHome = dir.resolve("b");
        killed = NodeProcess.start(bHome, "b", List.of(slow), env);
        try {
            await(() -> fabric(a).status("b") == NodeStatus.OK
                            && fabric(a).nodes(false).nodes().stream().anyMatch(n -> n.nodeId().equals("b") && n.capabilities().containsKey("slow")),
                    Duration.ofSeconds(60), "the node process b to join");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; its log:\n" + killed.log(), e);
        }

        List<CompletableFuture<HttpResponse<String>>> jobs = new ArrayList<>();
        long sent = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            String id = "held-" + i;
            jobs.add(CompletableFuture.supplyAsync(() -> a.postJson("/v1/capability/slow?sleep_ms=" + JOB_MS, "{}",
                    "X-Request-Timeout", String.valueOf(DEADLINE_MS), "X-Capfabric-Job-Id", id), Thread::startVirtualThread));
        }
        Path bSeen = bHome.resolve("work/data/slow-echo/seen.log");
        await(() -> lines(bSeen) >= 1, Duration.ofSeconds(5), "b to be running some of the jobs");
        killed.signal("KILL");
        killed.awaitExit(10_000);

        for (CompletableFuture<HttpResponse<String>> job : jobs) {
            HttpResponse<String> response = job.get(DEADLINE_MS + 5000, TimeUnit.MILLISECONDS);
            long tookMs = (System.nanoTime() - sent) / 1_000_000;
            assertTrue(tookMs <= DEADLINE_MS + 500, "answered within its deadline: " + tookMs + " ms");
            assertEquals(200, response.statusCode(), "served by the surviving node: " + response.body());
            assertEquals("c", response.headers().firstValue("X-Capfabric-Node").orElseThrow());
        }
        List<String> ranOnC = Files.readAllLines(dir.resolve("c/work/data/slow-echo/seen.log"));
        for (int i = 0; i < 4; i++) {
            assertTrue(ranOnC.contains("held-" + i), "job held-" + i + " ran on c: " + ranOnC);
        }

        await(() -> fabric(a).status("b") == NodeStatus.STALE || fabric(a).status("b") == NodeStatus.GONE,
                HEARTBEAT.multipliedBy(6), "b to go stale");
        await(() -> fabric(a).status("b") == NodeStatus.GONE, HEARTBEAT.multipliedBy(14), "b to be gone");
    }

    private static long lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file).size() : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
