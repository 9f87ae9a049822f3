package dev.capfabric.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Providers that throw {@link Error}s or never return cannot take their capability down: each case
 * against a real kernel with a plugin compiled in the test.
 */
class MisbehavingProviderTest {

    @TempDir
    Path home;

    private final List<TestNode> nodes = new ArrayList<>();
    private final List<Path> releases = new ArrayList<>();

    @AfterEach
    void stopNodes() throws Exception {
        for (Path release : releases) {
            // lets threads stuck on purpose end, so they do not outlive the test
            Files.createDirectories(release.getParent());
            Files.writeString(release, "go");
        }
        nodes.forEach(TestNode::close);
    }

    private TestNode start(String threading, int concurrency, Map<String, String> env) {
        TestPlugins.provider("test.echo", "echo-one", "echo").concurrency(concurrency).threading(threading)
                .build(home.resolve("plugins/echo.jar"));
        TestNode node = TestNode.start(home, "misbehaving", env);
        nodes.add(node);
        releases.add(home.resolve("work/data/echo-one/release"));
        return node;
    }

    private static HttpResponse<String> job(TestNode node, String query, String... headers) {
        return node.postJson("/v1/capability/echo" + query, "{}", headers);
    }

    private static double metric(TestNode node, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)} ([0-9.eE+-]+)$").matcher(node.get("/metrics").body());
        double sum = 0;
        while (m.find()) {
            if (m.group(1).contains(labels)) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLATFORM", "VIRTUAL"})
    void anErrorFromHandleIsA500AtOnceAndTheCapabilityKeepsServing(String threading) {
        TestNode node = start(threading, 1, Map.of());
        // more Errors than the provider has workers: before, each killed one and the capability went dead
        List<String> errors = List.of("stack_overflow", "assertion", "linkage", "plain", "stack_overflow", "assertion");
        for (String error : errors) {
            long start = System.nanoTime();
            HttpResponse<String> failed = job(node, "?error=" + error, "X-Request-Timeout", "20000");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(500, failed.statusCode(), error + ": " + failed.body());
            assertEquals("internal", TestNode.json(failed.body()).at("/error/kind").asText());
            assertEquals("echo-one", failed.headers().firstValue("X-Capfabric-Provider").orElseThrow());
            assertTrue(millis < 10_000, error + " was answered at once, not at the deadline: " + millis + " ms");
        }
        HttpResponse<String> served = job(node, "", "X-Request-Timeout", "10000");
        assertEquals(200, served.statusCode(), "the worker lived on: " + served.body());
        assertEquals("usable", TestNode.provider(node.getJson("/caps"), "echo-one").get("status").asText());
        assertEquals(errors.size(), metric(node, "capfabric_jobs_total", "outcome=\"internal\""), 0.0,
                "every failed job is counted");
    }

    @Test
    void anOutOfMemoryErrorIsAnsweredAndItsWorkerReplaced() {
        TestNode node = start("PLATFORM", 1, Map.of());
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> failed = job(node, "?error=oom", "X-Request-Timeout", "20000");
            assertEquals(500, failed.statusCode(), failed.body());
            assertTrue(failed.body().contains("OutOfMemoryError"), failed.body());
        }
        HttpResponse<String> served = job(node, "", "X-Request-Timeout", "10000");
        assertEquals(200, served.statusCode(), "a new worker took the place of the one the OutOfMemoryError ended: " + served.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLATFORM", "VIRTUAL"})
    void aJobPastItsDeadlineIsInterruptedAndGivesItsSlotBack(String threading) {
        TestNode node = start(threading, 1, Map.of("CAPFABRIC_DISPATCH_STUCK__GRACE__MS", "300"));
        for (int i = 0; i < 3; i++) {
            // each with a little more time than the last: two runs cut at one deadline would have the next job with
            // that deadline refused at admission (429, AdmissionTest), and this test is about what the interrupt frees
            HttpResponse<String> late = job(node, "?hang=until_interrupted", "X-Request-Timeout", String.valueOf(300 + 100 * i));
            assertEquals(504, late.statusCode(), late.body());
        }
        TestNode.sleep(600);
        HttpResponse<String> served = job(node, "", "X-Request-Timeout", "5000");
        assertEquals(200, served.statusCode(), "the interrupted jobs returned and freed their slot: " + served.body());
        assertEquals("usable", TestNode.provider(node.getJson("/caps"), "echo-one").get("status").asText(),
                "a job that returned when interrupted is not stuck");
        assertEquals(0, metric(node, "capfabric_jobs_stuck", "capability=\"echo\""), 0.0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLATFORM", "VIRTUAL"})
    void aJobThatNeverReturnsIsWrittenOffAndItsCapacityReplaced(String threading) throws Exception {
        TestNode node = start(threading, 1, Map.of("CAPFABRIC_DISPATCH_STUCK__GRACE__MS", "300"));
        List<String> warnings = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                synchronized (warnings) {
                    warnings.add(java.text.MessageFormat.format(record.getMessage(), record.getParameters() == null
                            ? new Object[0] : record.getParameters()));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger lane = Logger.getLogger("dev.capfabric.kernel.dispatch.CapabilityLane");
        lane.addHandler(capture);
        try {
            // the caller of a VIRTUAL provider runs the job itself: it waits with the stuck job, so it is not awaited here
            CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(
                    () -> job(node, "?hang=forever", "X-Request-Timeout", "300", "X-Capfabric-Job-Id", "stuck-job-1"));
            if (threading.equals("PLATFORM")) {
                HttpResponse<String> late = first.get();
                assertEquals(504, late.statusCode(), "the caller is answered at the deadline: " + late.body());
            }
            JsonNode caps = node.awaitCaps(c -> TestNode.provider(c, "echo-one").get("status").asText().equals("degraded"),
                    Duration.ofSeconds(10), "echo-one degraded by its stuck job");
            assertTrue(TestNode.provider(caps, "echo-one").get("reason").asText().contains("stuck"),
                    TestNode.provider(caps, "echo-one").toPrettyString());
            assertTrue(caps.at("/capabilities/echo").isObject(), "a degraded provider still serves");
            assertEquals(1, metric(node, "capfabric_jobs_stuck", "capability=\"echo\""), 0.0);
            synchronized (warnings) {
                assertTrue(warnings.stream().anyMatch(w -> w.contains("stuck-job-1") && w.contains("echo-one")),
                        "a log line names the stuck job: " + warnings);
            }

            HttpResponse<String> served = job(node, "", "X-Request-Timeout", "5000");
            assertEquals(200, served.statusCode(), "a new thread took the stuck one's slot: " + served.body());

            // more stuck jobs than the provider's concurrency (1): it takes no more jobs
            CompletableFuture.supplyAsync(() -> job(node, "?hang=forever", "X-Request-Timeout", "300",
                    "X-Capfabric-Job-Id", "stuck-job-2"));
            caps = node.awaitCaps(c -> TestNode.provider(c, "echo-one").get("status").asText().equals("unavailable"),
                    Duration.ofSeconds(10), "echo-one unavailable with 2 stuck jobs");
            assertTrue(TestNode.provider(caps, "echo-one").get("reason").asText().contains("2 jobs stuck"),
                    TestNode.provider(caps, "echo-one").toPrettyString());
            HttpResponse<String> refused = job(node, "", "X-Request-Timeout", "5000");
            assertEquals(503, refused.statusCode(), refused.body());

            // replacing the plugin frees what the lane knew of the stuck provider
            TestPlugins.provider("test.echo", "echo-one", "echo").tag("v2").threading(threading)
                    .build(home.resolve("plugins/echo.jar"));
            node.awaitCaps(c -> TestNode.provider(c, "echo-one").get("status").asText().equals("usable")
                            && TestNode.provider(c, "echo-one").at("/extra/tag").asText().equals("v2"),
                    Duration.ofSeconds(10), "echo-one v2 usable");
            HttpResponse<String> again = job(node, "", "X-Request-Timeout", "5000");
            assertEquals(200, again.statusCode(), again.body());
            assertEquals("v2", TestNode.json(again.body()).get("tag").asText());
            assertEquals(0, metric(node, "capfabric_jobs_stuck", "capability=\"echo\""), 0.0);
        } finally {
            lane.removeHandler(capture);
        }
    }

    @Test
    void shutdownDoesNotWaitForAThreadThatWillNeverReturn() {
        TestNode node = start("PLATFORM", 2, Map.of("CAPFABRIC_DISPATCH_STUCK__GRACE__MS", "60000"));
        for (int i = 0; i < 2; i++) {
            // answered 504 at the deadline; their threads never return, and are not even written off yet
            HttpResponse<String> late = job(node, "?hang=forever", "X-Request-Timeout", "200");
            assertEquals(504, late.statusCode(), late.body());
        }
        long start = System.nanoTime();
        node.close();
        nodes.remove(node);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 3_000, "stopping (grace 5 s) did not wait for jobs nobody waits for: " + millis + " ms");
    }

    @Test
    void aRemovedCapabilityLeavesTheLoadFiguresAndMetrics() throws Exception {
        TestNode node = start("PLATFORM", 1, Map.of());
        TestPlugins.provider("test.other", "other-one", "other").build(home.resolve("plugins/other.jar"));
        node.awaitCaps(c -> c.at("/capabilities/other").isObject(), Duration.ofSeconds(10), "other capability");
        assertEquals(200, job(node, "").statusCode());
        JsonNode load = node.getJson("/caps").get("load");
        assertTrue(load.get("queue_depth").has("echo") && load.get("inflight").has("echo"), load.toPrettyString());
        assertTrue(node.get("/metrics").body().contains("capfabric_queue_depth{capability=\"echo\"}"));

        Files.delete(home.resolve("plugins/echo.jar"));
        node.awaitCaps(c -> TestNode.provider(c, "echo-one") == null, Duration.ofSeconds(10), "echo-one removed");
        load = node.getJson("/caps").get("load");
        assertFalse(load.get("queue_depth").has("echo"), load.toPrettyString());
        assertFalse(load.get("inflight").has("echo"), load.toPrettyString());
        assertTrue(load.get("queue_depth").has("other"), "the other capability stays: " + load.toPrettyString());
        String metrics = node.get("/metrics").body();
        assertFalse(metrics.contains("capfabric_queue_depth{capability=\"echo\"}"), metrics);
        assertFalse(metrics.contains("capfabric_jobs_stuck{capability=\"echo\"}"), metrics);
        assertEquals(404, job(node, "").statusCode());

        // and it comes back whole when the plugin does
        TestPlugins.provider("test.echo", "echo-one", "echo").tag("v2").build(home.resolve("plugins/echo.jar"));
        node.awaitCaps(c -> TestNode.provider(c, "echo-one") != null, Duration.ofSeconds(10), "echo-one back");
        HttpResponse<String> served = job(node, "");
        assertEquals(200, served.statusCode(), served.body());
        assertNotNull(node.getJson("/caps").at("/load/queue_depth/echo"));
        assertTrue(node.get("/metrics").body().contains("capfabric_queue_depth{capability=\"echo\"} 0"));
    }
}
