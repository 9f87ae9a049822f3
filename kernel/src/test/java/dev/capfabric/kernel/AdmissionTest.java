package dev.capfabric.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Admission by expected wait: a job that the queue ahead of it would keep past its deadline is refused
 * at once with 429 and a {@code Retry-After} from the estimate, instead of being accepted only to end
 * in 504; jobs with time enough are admitted as before.
 */
class AdmissionTest {

    @TempDir
    Path home;

    private final List<TestNode> nodes = new ArrayList<>();

    @AfterEach
    void stopNodes() {
        nodes.forEach(TestNode::close);
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLATFORM", "VIRTUAL"})
    void aJobThatCannotBeServedBeforeItsDeadlineIsRefusedAtOnce(String threading) throws Exception {
        TestPlugins.provider("test.echo", "echo-one", "echo").threading(threading).build(home.resolve("plugins/echo.jar"));
        TestNode node = TestNode.start(home, "admission", Map.of());
        nodes.add(node);
        // the lane learns how long a job takes: about a second. Jobs this long keep the queue built up even
        // when a loaded machine is slow to send the requests that fill it
        for (int i = 0; i < 4; i++) {
            assertEquals(200, node.postJson("/v1/capability/echo?sleep_ms=1000", "{}").statusCode());
        }
        List<CompletableFuture<HttpResponse<String>>> accepted = new ArrayList<>();
        // a thread per caller: the common pool has one thread on two cores
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        for (int i = 0; i < 12; i++) {
            accepted.add(CompletableFuture.supplyAsync(() -> node.postJson("/v1/capability/echo?sleep_ms=1000", "{}",
                    "X-Request-Timeout", "60000"), callers));
        }
        node.awaitCaps(c -> c.at("/load/queue_depth/echo").asInt() >= 5, java.time.Duration.ofSeconds(20), "a queue of 5 or more");

        // 5 or more jobs ahead × 1000 ms: more than a 3000 ms deadline allows
        for (String timeout : List.of("1000", "2000", "3000")) {
            long start = System.nanoTime();
            HttpResponse<String> refused = node.postJson("/v1/capability/echo?sleep_ms=1000", "{}", "X-Request-Timeout", timeout);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(429, refused.statusCode(), refused.body());
            JsonNode error = TestNode.json(refused.body()).get("error");
            assertEquals("overloaded", error.get("kind").asText(), refused.body());
            assertTrue(error.at("/details/expected_wait_ms").asLong() > Long.parseLong(timeout), refused.body());
            assertTrue(Integer.parseInt(refused.headers().firstValue("Retry-After").orElseThrow()) >= 1);
            assertTrue(millis < Long.parseLong(timeout), "refused at once, not at the deadline: " + millis + " ms");
        }
        // one with time enough is admitted behind them, and every admitted job is served in time
        HttpResponse<String> patient = node.postJson("/v1/capability/echo?sleep_ms=1000", "{}", "X-Request-Timeout", "60000");
        assertEquals(200, patient.statusCode(), patient.body());
        for (CompletableFuture<HttpResponse<String>> job : accepted) {
            assertEquals(200, job.get().statusCode(), job.get().body());
        }
        callers.close();
        String metrics = node.get("/metrics").body();
        assertTrue(metrics.contains("reason=\"expected_wait\""), metrics);
    }

    /**
     * Busy slots are not averages: with both slots of a lane running jobs that just started, a new job waits a
     * whole run for a slot, then runs a whole run. Planning with half a run of waiting (the queue length
     * divided by the slots) admitted it, and it ended in 504; a variant per kind of threading.
     */
    @ParameterizedTest
    @ValueSource(strings = {"PLATFORM", "VIRTUAL"})
    void aJobThatMustWaitForABusySlotCountsTheRestOfItsRun(String threading) throws Exception {
        TestPlugins.provider("test.echo", "echo-two", "echo").threading(threading).concurrency(2).build(home.resolve("plugins/echo.jar"));
        TestNode node = TestNode.start(home, "admission-slots", Map.of());
        nodes.add(node);
        assertEquals(200, node.postJson("/v1/capability/echo?sleep_ms=4000", "{}").statusCode()); // learns: 4 s a job
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        List<CompletableFuture<HttpResponse<String>>> running = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            running.add(CompletableFuture.supplyAsync(() -> node.postJson("/v1/capability/echo?sleep_ms=4000", "{}",
                    "X-Request-Timeout", "60000"), callers));
        }
        node.awaitCaps(c -> c.at("/load/inflight/echo").asInt() >= 2, java.time.Duration.ofSeconds(20), "both slots busy");
        // it would start in about 4 s and end in about 8 s: a 6.5 s deadline is refused at once, not answered 504 later
        // (half a run of waiting, 2 s, plus its run fitted the deadline: it was admitted and ended 504)
        long start = System.nanoTime();
        HttpResponse<String> refused = node.postJson("/v1/capability/echo?sleep_ms=4000", "{}", "X-Request-Timeout", "6500");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(429, refused.statusCode(), refused.body());
        JsonNode error = TestNode.json(refused.body()).get("error");
        assertEquals("overloaded", error.get("kind").asText(), refused.body());
        assertTrue(error.at("/details/expected_wait_ms").asLong() >= 1500, refused.body());
        assertTrue(millis < 2000, "refused at once: " + millis + " ms");
        for (CompletableFuture<HttpResponse<String>> job : running) {
            assertEquals(200, job.get().statusCode(), job.get().body());
        }
        callers.close();
    }

    /**
     * A lane that slowed down since it learnt its average: a job running longer than the average raises the
     * run time admission plans with, so a job is not admitted on the old, shorter figure.
     */
    @ParameterizedTest
    @ValueSource(strings = {"PLATFORM", "VIRTUAL"})
    void aRunningJobThatOverrunsTheAverageRaisesThePlan(String threading) throws Exception {
        TestPlugins.provider("test.echo", "echo-one", "echo").threading(threading).build(home.resolve("plugins/echo.jar"));
        TestNode node = TestNode.start(home, "admission-slow", Map.of());
        nodes.add(node);
        assertEquals(200, node.postJson("/v1/capability/echo?sleep_ms=300", "{}").statusCode()); // learns: 0.3 s a job
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> node.postJson(
                "/v1/capability/echo?sleep_ms=6000", "{}", "X-Request-Timeout", "60000"), callers);
        node.awaitCaps(c -> c.at("/load/inflight/echo").asInt() >= 1, java.time.Duration.ofSeconds(20), "the slow job running");
        Thread.sleep(2500);
        // planned on the 0.3 s average this job needs 0.6 s; the job running has taken 2.5 s already and will take more
        HttpResponse<String> refused = node.postJson("/v1/capability/echo?sleep_ms=300", "{}", "X-Request-Timeout", "2500");
        assertEquals(429, refused.statusCode(), refused.body());
        assertEquals("overloaded", TestNode.json(refused.body()).at("/error/kind").asText(), refused.body());
        assertTrue(TestNode.json(refused.body()).at("/error/details/service_ms").asLong() >= 2500, refused.body());
        assertEquals(200, slow.get().statusCode(), slow.get().body());
        callers.close();
    }
    /**
     * A queued job is held to the plan it was admitted on: when the job running ahead of it overruns (the
     * machine slowed down), a queued job that can no longer end before its deadline is answered 429
     * {@code overloaded} while it still has time left, and never run; one whose deadline still allows is
     * served. Before, it sat in the queue until its deadline and ended 504. A variant per kind of
     * threading, and deadlines of several lengths.
     */
    @ParameterizedTest
    @ValueSource(strings = {"PLATFORM", "VIRTUAL"})
    void aQueuedJobThatCanNoLongerMakeItsDeadlineIsAnsweredEarlyAndNotRun(String threading) throws Exception {
        TestPlugins.provider("test.echo", "echo-one", "echo").threading(threading).build(home.resolve("plugins/echo.jar"));
        TestNode node = TestNode.start(home, "admission-rejudge", Map.of());
        nodes.add(node);
        for (int i = 0; i < 3; i++) {
            assertEquals(200, node.postJson("/v1/capability/echo?sleep_ms=400", "{}").statusCode()); // learns: 0.4 s a job
        }
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        // the machine slows down: this job takes 7 s, not 0.4
        CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> node.postJson(
                "/v1/capability/echo?sleep_ms=7000", "{}", "X-Request-Timeout", "60000"), callers);
        node.awaitCaps(c -> c.at("/load/inflight/echo").asInt() >= 1, java.time.Duration.ofSeconds(20), "the slow job running");
        // planned on 0.4 s runs each of these fits (about 0.4 s of wait and 0.4 s of run); they end up
        // behind a 7 s job, and the shorter deadlines cannot be met any more
        Map<String, CompletableFuture<HttpResponse<String>>> queued = new java.util.LinkedHashMap<>();
        Map<String, Long> sent = new java.util.HashMap<>();
        for (String timeout : List.of("2500", "3500", "4500", "60000")) {
            String id = "queued-" + threading.toLowerCase(java.util.Locale.ROOT) + "-" + timeout;
            sent.put(id, System.nanoTime());
            queued.put(timeout, CompletableFuture.supplyAsync(() -> node.postJson("/v1/capability/echo?sleep_ms=400", "{}",
                    "X-Request-Timeout", timeout, "X-Capfabric-Job-Id", id), callers));
            node.awaitCaps(c -> c.at("/load/queue_depth/echo").asInt() >= 1, java.time.Duration.ofSeconds(20), "a job queued");
        }
        for (String timeout : List.of("2500", "3500", "4500")) {
            HttpResponse<String> late = queued.get(timeout).get();
            String id = "queued-" + threading.toLowerCase(java.util.Locale.ROOT) + "-" + timeout;
            long millis = (System.nanoTime() - sent.get(id)) / 1_000_000;
            assertEquals(429, late.statusCode(), late.body());
            JsonNode error = TestNode.json(late.body()).get("error");
            assertEquals("overloaded", error.get("kind").asText(), late.body());
            assertTrue(error.at("/details/waited_ms").asLong() > 0, late.body());
            assertTrue(Integer.parseInt(late.headers().firstValue("Retry-After").orElseThrow()) >= 1, late.body());
            assertTrue(millis < Long.parseLong(timeout), "answered before its deadline: " + millis + " ms of " + timeout);
        }
        assertEquals(200, queued.get("60000").get().statusCode(), queued.get("60000").get().body());
        assertEquals(200, slow.get().statusCode(), slow.get().body());
        callers.close();
        List<String> ran = java.nio.file.Files.readAllLines(home.resolve("work/data/echo-one/seen.log"));
        for (String timeout : List.of("2500", "3500", "4500")) {
            assertTrue(!ran.contains("queued-" + threading.toLowerCase(java.util.Locale.ROOT) + "-" + timeout), "never run: " + ran);
        }
        assertTrue(ran.contains("queued-" + threading.toLowerCase(java.util.Locale.ROOT) + "-60000"), ran.toString());
        assertTrue(node.get("/metrics").body().contains("outcome=\"overloaded\""));
    }

    /** Waits until {@code jobs} jobs of {@code provider} have ended and been counted on {@code /metrics}. */
    private static void awaitCounted(TestNode node, String provider, int jobs) throws InterruptedException {
        java.util.regex.Pattern line = java.util.regex.Pattern.compile("(?m)^capfabric_jobs_total\\{([^}]*)} ([0-9.eE+-]+)$");
        long end = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        double counted = 0;
        while (System.nanoTime() < end) {
            java.util.regex.Matcher m = line.matcher(node.get("/metrics").body());
            counted = 0;
            while (m.find()) {
                if (m.group(1).contains("provider=\"" + provider + "\"")) {
                    counted += Double.parseDouble(m.group(2));
                }
            }
            if (counted >= jobs) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("timed out waiting for " + jobs + " jobs of " + provider + " to be counted; " + counted + " were");
    }

    /** A node with an echo provider whose lane has run {@code runs} jobs of {@code sleepMs} each. */
    private TestNode learnt(String provider, String threading, int concurrency, String name, long sleepMs, int runs) {
        TestPlugins.provider("test.echo", provider, "echo").threading(threading).concurrency(concurrency)
                .build(home.resolve("plugins/echo.jar"));
        TestNode node = TestNode.start(home, name, Map.of());
        nodes.add(node);
        for (int i = 0; i < runs; i++) {
            assertEquals(200, node.postJson("/v1/capability/echo?sleep_ms=" + sleepMs, "{}").statusCode());
        }
        return node;
    }

    /**
     * A job whose own run is longer than its deadline is refused at admission with 429 {@code overloaded} and a
     * {@code Retry-After}, though a slot is free for it (before, it was admitted, since nothing waited ahead of it,
     * and ended in 504): deadlines of several lengths, both threadings; one with time enough is served.
     */
    @ParameterizedTest
    @ValueSource(strings = {"PLATFORM", "VIRTUAL"})
    void aJobWhoseOwnRunIsLongerThanItsDeadlineIsRefusedThoughASlotIsFree(String threading) throws Exception {
        TestNode node = learnt("echo-two", threading, 2, "admission-own-run", 900, 2); // 0.9 s a job
        String tag = threading.toLowerCase(java.util.Locale.ROOT);
        for (String timeout : List.of("300", "500", "800")) {
            HttpResponse<String> refused = node.postJson("/v1/capability/echo?sleep_ms=900", "{}", "X-Request-Timeout", timeout,
                    "X-Capfabric-Job-Id", "own-run-" + tag + "-" + timeout);
            assertEquals(429, refused.statusCode(), refused.body());
            JsonNode error = TestNode.json(refused.body()).get("error");
            assertEquals("overloaded", error.get("kind").asText(), refused.body());
            assertEquals(0, error.at("/details/expected_wait_ms").asLong(), "a slot was free: " + refused.body());
            assertTrue(error.at("/details/service_ms").asLong() >= 900, refused.body());
            assertTrue(error.get("message").asText().contains("X-Request-Timeout"), refused.body());
            assertTrue(Integer.parseInt(refused.headers().firstValue("Retry-After").orElseThrow()) >= 1, refused.body());
        }
        HttpResponse<String> patient = node.postJson("/v1/capability/echo?sleep_ms=900", "{}", "X-Request-Timeout", "5000");
        assertEquals(200, patient.statusCode(), patient.body());
        List<String> ran = java.nio.file.Files.readAllLines(home.resolve("work/data/echo-two/seen.log"));
        assertTrue(ran.stream().noneMatch(id -> id.startsWith("own-run-")), "never run: " + ran);
        assertTrue(node.get("/metrics").body().contains("reason=\"expected_run\""));
    }

    /**
     * A lane that knows nothing refuses nothing: the first jobs are admitted whatever their deadline, and one run
     * cut at its deadline may be an outlier; after two, a job with the same deadline is refused. Runs of larger
     * jobs say nothing of a small one, which is served.
     */
    @ParameterizedTest
    @ValueSource(strings = {"PLATFORM", "VIRTUAL"})
    void noHistoryNoRefusalThenRunsCutAtTheDeadlineRefuseJobsLikeThem(String threading) throws Exception {
        TestNode node = learnt("echo-one", threading, 1, "admission-history", 0, 0);
        String page = "{\"page\":\"" + "x".repeat(16_000) + "\"}";
        // deadlines long enough that the first cut run still counts when the third job comes: a run counts for three
        // of its lengths, and at 400 ms the two runs and the waits between them took longer than that on an idle machine
        for (int i = 0; i < 2; i++) {
            // no history, then one run: admitted, and cut at the deadline
            HttpResponse<String> late = node.postJson("/v1/capability/echo?sleep_ms=6000", page, "X-Request-Timeout", "1500");
            assertEquals(504, late.statusCode(), "admitted, run " + i + ": " + late.body());
            // the caller is answered at the deadline; the run it was cut from ends a moment later, is kept, then counted
            awaitCounted(node, "echo-one", i + 1);
            Thread.sleep(50); // and its slot is given back
        }
        // two fresh cut runs refuse the next job like them
        HttpResponse<String> refused = node.postJson("/v1/capability/echo?sleep_ms=6000", page, "X-Request-Timeout", "1500");
        assertEquals(429, refused.statusCode(), refused.body());
        assertEquals("overloaded", TestNode.json(refused.body()).at("/error/kind").asText(), refused.body());
        assertEquals(2, TestNode.json(refused.body()).at("/error/details/runs_too_long").asInt(), refused.body());
        // a small job is not judged by the runs of pages: it is served within the same deadline
        HttpResponse<String> small = node.postJson("/v1/capability/echo?sleep_ms=50", "{}", "X-Request-Timeout", "400");
        assertEquals(200, small.statusCode(), small.body());
    }

    /**
     * A lane that slows down refuses sooner than its runs show it: two jobs running past a new job's time left
     * count against it before either has ended, so the new job is refused though a slot is free (the old rule
     * admitted it on the fast runs seen before). Once they end, their runs go on refusing; a job with time
     * enough is served.
     */
    @ParameterizedTest
    @ValueSource(strings = {"PLATFORM", "VIRTUAL"})
    void aLaneThatSlowsDownRefusesSooner(String threading) throws Exception {
        TestNode node = learnt("echo-three", threading, 3, "admission-slowing", 100, 3); // 0.1 s a job
        assertEquals(200, node.postJson("/v1/capability/echo?sleep_ms=100", "{}", "X-Request-Timeout", "1500").statusCode());
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        // the machine slows down: jobs now take 5 s
        List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            // one after the other: runs that end together count as one (a process stopped for a while)
            slow.add(CompletableFuture.supplyAsync(() -> node.postJson("/v1/capability/echo?sleep_ms=5000", "{}",
                    "X-Request-Timeout", "60000"), callers));
            Thread.sleep(300);
        }
        node.awaitCaps(c -> c.at("/load/inflight/echo").asInt() >= 2, java.time.Duration.ofSeconds(20), "the slow jobs running");
        Thread.sleep(2000);
        HttpResponse<String> refused = node.postJson("/v1/capability/echo?sleep_ms=100", "{}", "X-Request-Timeout", "1500");
        assertEquals(429, refused.statusCode(), "a slot is free, but two jobs have run longer than 1.5 s already: " + refused.body());
        assertEquals("overloaded", TestNode.json(refused.body()).at("/error/kind").asText(), refused.body());
        assertTrue(TestNode.json(refused.body()).at("/error/details/service_ms").asLong() >= 1500, refused.body());
        for (CompletableFuture<HttpResponse<String>> job : slow) {
            assertEquals(200, job.get().statusCode(), job.get().body());
        }
        callers.close();
        assertEquals(429, node.postJson("/v1/capability/echo?sleep_ms=100", "{}", "X-Request-Timeout", "1500").statusCode(),
                "the slow runs ended: they go on refusing");
        assertEquals(200, node.postJson("/v1/capability/echo?sleep_ms=100", "{}", "X-Request-Timeout", "10000").statusCode());
    }
}
