package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static dev.capfabric.kernel.fabric.FabricNodes.fabric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The order of a node's graceful stop as its peers see it: draining first (while it still answers
 * what it holds), bye only after.
 */
class GracefulStopTest {

    private static final Duration HEARTBEAT = Duration.ofSeconds(1);

    @TempDir
    Path dir;

    @Test
    void aStoppingNodeSaysDrainingAnswersTheJobOffloadedToItThenSaysBye() throws Exception {
        try (NatsTestServer nats = NatsTestServer.start(false, 0)) {
            Map<String, String> env = FabricNodes.env(nats, HEARTBEAT, Map.of());
            java.util.List<String> wire = new java.util.concurrent.CopyOnWriteArrayList<>();
            io.nats.client.Connection spy = io.nats.client.Nats.connect(nats.url());
            spy.createDispatcher(m -> wire.add(System.nanoTime() / 1_000_000 + " " + m.getSubject() + " " + (m.getHeaders() == null ? "" : m.getHeaders().entrySet()))).subscribe(">");
            try (TestNode router = FabricNodes.start(dir.resolve("router"), "router", List.of(), env)) {
                TestNode worker = FabricNodes.start(dir.resolve("worker"), "worker",
                        List.of(FabricNodes.plugin(dir.resolve("jars"), "slow-echo", "slow", 1)), env);
                await(() -> fabric(router).status("worker") == NodeStatus.OK && router.postJson("/v1/capability/slow", "{}").statusCode() == 200,
                        Duration.ofSeconds(10), "the router to route to the worker");
                Path seen = dir.resolve("worker/work/data/slow-echo/seen.log");
                int before = Files.readAllLines(seen).size();
                CompletableFuture<HttpResponse<String>> offloaded = CompletableFuture.supplyAsync(
                        () -> router.postJson("/v1/capability/slow?sleep_ms=2000", "{}"));
                await(() -> lines(seen) > before, Duration.ofSeconds(10), "the offloaded job to start on the worker");

                CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> worker.kernel.stop(Duration.ofSeconds(10)));
                await(() -> fabric(router).status("worker") == NodeStatus.DRAINING, Duration.ofSeconds(2),
                        "the router to hear that the worker drains");
                assertTrue(!offloaded.isDone(), "the job is still running while the worker drains");
                HttpResponse<String> late = router.postJson("/v1/capability/slow", "{}");
                assertEquals(503, late.statusCode(), "no new job goes to a draining worker: " + late.body());

                HttpResponse<String> answered = offloaded.get(10, TimeUnit.SECONDS);
                assertEquals(200, answered.statusCode(), answered.body() + "\n" + String.join("\n", wire));
                assertEquals("worker", answered.headers().firstValue("X-Capfabric-Node").orElseThrow());
                assertEquals(before + 1, lines(seen), "run once, not retried elsewhere or twice");
                stopping.get(10, TimeUnit.SECONDS);
                await(() -> fabric(router).status("worker") == NodeStatus.GONE, Duration.ofSeconds(5), "the bye after the answer");
            }
        }
    }

    private static int lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file).size() : 0;
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
