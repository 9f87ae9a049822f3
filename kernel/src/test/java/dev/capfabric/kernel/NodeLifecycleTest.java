package dev.capfabric.kernel;

import dev.capfabric.kernel.config.InvalidSettingsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Start-up and stop of a node: port in use, jobs while starting, SIGTERM with jobs running. */
class NodeLifecycleTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path home;

    @Test
    void portInUseStopsStartUpWithOneClearLineAndStatus2() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            InvalidSettingsException refused = assertThrows(InvalidSettingsException.class,
                    () -> TestNode.start(home.resolve("in-process"), "port-taken", Map.of("CAPFABRIC_PORT", String.valueOf(port))));
            assertTrue(refused.getMessage().contains("127.0.0.1:" + port), refused.getMessage());

            try (NodeProcess node = NodeProcess.start(home.resolve("process"), Map.of("CAPFABRIC_PORT", String.valueOf(port),
                    "CAPFABRIC_NODE_ID", "port-taken"))) {
                assertEquals(2, node.awaitExit(WAIT), node.output());
                List<String> lines = node.output().lines().filter(l -> !l.startsWith("WARNING:")).toList();
                assertEquals(1, lines.size(), "one line, not a stack trace:\n" + node.output());
                assertTrue(lines.getFirst().startsWith("capfabric: cannot listen on 127.0.0.1:" + port), lines.getFirst());
                assertTrue(lines.getFirst().contains("CAPFABRIC_PORT"), lines.getFirst());
            }
        }
    }

    @Test
    void jobsDuringStartUpHear503StartingWithRetryAfterNot404() throws Exception {
        TestPlugins.provider("test.slowstart", "slow-start", "echo").createSleepMs(3000).build(home.resolve("plugins/slow.jar"));
        int port;
        try (ServerSocket free = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        CompletableFuture<TestNode> starting = CompletableFuture.supplyAsync(
                () -> TestNode.start(home, "starting", Map.of("CAPFABRIC_PORT", String.valueOf(port))));
        try {
            HttpResponse<String> caps = awaitServing(port);
            assertEquals(200, caps.statusCode());
            for (String capability : List.of("echo", "never-heard-of")) {
                HttpResponse<String> job = post(port, "/v1/capability/" + capability);
                assertEquals(503, job.statusCode(), job.body());
                assertEquals("starting", TestNode.json(job.body()).at("/error/kind").asText(), job.body());
                assertEquals("1", job.headers().firstValue("Retry-After").orElse(null));
            }
            assertEquals(503, get(port, "/health/ready").statusCode(), "not ready while starting");
            TestNode node = starting.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            try {
                assertEquals(200, post(port, "/v1/capability/echo").statusCode());
                assertEquals(404, post(port, "/v1/capability/never-heard-of").statusCode(), "once started, an unknown capability is 404");
                assertEquals(200, get(port, "/health/ready").statusCode());
            } finally {
                node.close();
            }
        } finally {
            starting.thenAccept(TestNode::close);
        }
    }

    @Test
    void stopAnswersRunningAndQueuedJobsAndRefusesNewOnes503Draining() throws Exception {
        TestPlugins.provider("test.slow", "slow", "slow").concurrency(1).build(home.resolve("plugins/slow.jar"));
        TestNode node = TestNode.start(home, "draining", Map.of());
        CompletableFuture<HttpResponse<String>> running = CompletableFuture.supplyAsync(
                () -> node.postJson("/v1/capability/slow?sleep_ms=1500", "{}"));
        CompletableFuture<HttpResponse<String>> queued = CompletableFuture.supplyAsync(
                () -> node.postJson("/v1/capability/slow?sleep_ms=300", "{}"));
        awaitLines(home.resolve("work/data/slow/seen.log"), 1);
        node.awaitCaps(caps -> caps.at("/load/queue_depth/slow").asInt() >= 1, WAIT, "the second job to be queued");
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> node.kernel.stop(Duration.ofSeconds(10)));
        TestNode.sleep(200);

        HttpResponse<String> late = node.postJson("/v1/capability/slow", "{}");
        assertEquals(503, late.statusCode(), late.body());
        assertEquals("draining", TestNode.json(late.body()).at("/error/kind").asText());
        assertTrue(late.headers().firstValue("Retry-After").isPresent());
        assertEquals(503, node.get("/health/ready").statusCode(), "a draining node is not ready");

        assertEquals(200, running.get(10, TimeUnit.SECONDS).statusCode(), "the running job is answered");
        assertEquals(200, queued.get(10, TimeUnit.SECONDS).statusCode(), "the queued job is answered");
        stopping.get(10, TimeUnit.SECONDS);
    }

    @Test
    void sigtermLetsAnInFlightHttpJobFinishThenExits143() throws Exception {
        TestPlugins.provider("test.slow", "slow", "slow").build(home.resolve("plugins/slow.jar"));
        try (NodeProcess node = NodeProcess.start(home, Map.of("CAPFABRIC_PORT", "0", "CAPFABRIC_NODE_ID", "sigterm"))) {
            int port = node.awaitPort(WAIT);
            CompletableFuture<HttpResponse<String>> running = CompletableFuture.supplyAsync(
                    () -> post(port, "/v1/capability/slow?sleep_ms=2000"));
            awaitLines(home.resolve("work/data/slow/seen.log"), 1);

            node.terminate();
            TestNode.sleep(300);
            HttpResponse<String> late = post(port, "/v1/capability/slow");
            assertEquals(503, late.statusCode(), late.body());
            assertEquals("draining", TestNode.json(late.body()).at("/error/kind").asText());

            HttpResponse<String> answered = running.get(20, TimeUnit.SECONDS);
            assertEquals(200, answered.statusCode(), answered.body());
            assertEquals(143, node.awaitExit(WAIT), node.output());
        }
    }

    private HttpResponse<String> awaitServing(int port) {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/caps")).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                TestNode.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("the node did not serve /caps within " + WAIT);
    }

    private HttpResponse<String> get(int port, String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build());
    }

    private HttpResponse<String> post(int port, String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(WAIT)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build());
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(request.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void awaitLines(Path file, int lines) throws IOException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            if (Files.exists(file) && Files.readAllLines(file).size() >= lines) {
                return;
            }
            TestNode.sleep(20);
        }
        throw new AssertionError(file + " did not get " + lines + " lines");
    }
}
