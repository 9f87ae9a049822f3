package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.webserver.WebServer;
import dev.capfabric.kernel.SseEvents;
import dev.capfabric.kernel.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Durable jobs ({@code /v1/jobs}) on a real nats-server with JetStream: node {@code worker} serves
 * capability {@code echo} (one slot), node {@code front} serves nothing and takes the submissions, so
 * every job crosses the work queue.
 */
class DurableJobsTest {

    @TempDir
    static Path dir;

    private static NatsTestServer nats;
    private static TestNode worker;
    private static TestNode front;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        nats = NatsTestServer.start(true, 0);
        Path echo = FabricNodes.plugin(dir.resolve("jars"), "echo-one", "echo", 1);
        Map<String, String> env = FabricNodes.env(nats, Duration.ofMillis(500), Map.of(
                "CAPFABRIC_JOBS_MEMORY", "true", "CAPFABRIC_JOBS_CALLBACK__BACKOFF__MS", "50"));
        worker = FabricNodes.start(dir.resolve("worker"), "worker", List.of(echo), env);
        front = FabricNodes.start(dir.resolve("front"), "front", List.of(), env);
        FabricNodes.await(() -> front.get("/v1/capabilities").body().contains("echo"), Duration.ofSeconds(10), "front knows echo");
    }

    @AfterAll
    static void stop() {
        if (front != null) {
            front.close();
        }
        if (worker != null) {
            worker.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    static HttpResponse<String> submit(TestNode node, String query, String body, String... headers) {
        return node.post("/v1/jobs/echo" + query, "text/plain", body.getBytes(StandardCharsets.UTF_8), headers);
    }

    static JsonNode awaitEnded(TestNode node, String id, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode state = node.getJson("/v1/jobs/" + id);
            String status = state.get("status").asText();
            if (status.equals("succeeded") || status.equals("failed") || status.equals("cancelled")) {
                return state;
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("job " + id + " still " + state);
            }
            TestNode.sleep(25);
        }
    }

    static void awaitStatus(TestNode node, String id, String status) {
        FabricNodes.await(() -> node.getJson("/v1/jobs/" + id).get("status").asText().equals(status), Duration.ofSeconds(15),
                "job " + id + " " + status);
    }

    private static List<String> seen() throws Exception {
        Path log = dir.resolve("worker/work/data/echo-one/seen.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    @Test
    void aJobSubmittedAnywhereRunsWhereTheCapabilityIsAndItsResultIsReadableFromEveryNode() {
        HttpResponse<String> accepted = submit(front, "?tag=one", "hello durable");
        assertEquals(202, accepted.statusCode(), accepted.body());
        JsonNode body = TestNode.json(accepted.body());
        String id = body.get("id").asText();
        assertEquals("queued", body.get("status").asText());
        assertEquals("/v1/jobs/" + id, accepted.headers().firstValue("Location").orElseThrow());

        JsonNode ended = awaitEnded(front, id, Duration.ofSeconds(15));
        assertEquals("succeeded", ended.get("status").asText(), ended.toString());
        assertEquals("worker", ended.get("node").asText());
        assertEquals(1, ended.get("attempts").size());
        assertEquals("succeeded", ended.get("attempts").get(0).get("outcome").asText());
        assertEquals(ended, worker.getJson("/v1/jobs/" + id));
        for (TestNode node : List.of(front, worker)) {
            HttpResponse<String> result = node.get("/v1/jobs/" + id + "/result");
            assertEquals(200, result.statusCode());
            assertTrue(result.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
            JsonNode echoed = TestNode.json(result.body());
            assertEquals("hello durable", echoed.get("input").asText());
            assertEquals("one", echoed.get("params").get("tag").asText());
        }
    }

    @Test
    void binaryInputsAndResultsKeepTheirBytesAndMediaTypeEvenAboveTheMaxPayload() {
        // 1.5 MiB: above the server's 1 MiB max payload, so the input travels through the Object Store
        byte[] big = new byte[1_572_864];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 7 + 3);
        }
        HttpResponse<String> accepted = front.post("/v1/jobs/echo?echo_bytes=1", "application/x-test", big);
        assertEquals(202, accepted.statusCode(), accepted.body());
        String id = TestNode.json(accepted.body()).get("id").asText();
        assertEquals("succeeded", awaitEnded(front, id, Duration.ofSeconds(20)).get("status").asText());
        HttpResponse<byte[]> result = front.sendBytes(HttpRequest.newBuilder(front.uri("/v1/jobs/" + id + "/result")).build());
        assertEquals("application/x-test", result.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(java.util.Arrays.equals(big, result.body()), "the result is the input, byte for byte");
    }

    @Test
    void theSameIdempotencyKeyGivesTheSameJobEvenFromManyCallersAtOnce() throws Exception {
        String key = "batch-7/item-" + System.nanoTime();
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                TestNode node = i % 2 == 0 ? front : worker;
                answers.add(callers.submit(() -> submit(node, "", "once", "Idempotency-Key", key)));
            }
            Set<String> ids = new HashSet<>();
            int created = 0;
            for (Future<HttpResponse<String>> answer : answers) {
                HttpResponse<String> response = answer.get();
                assertTrue(response.statusCode() == 202 || response.statusCode() == 200, response.body());
                created += response.statusCode() == 202 ? 1 : 0;
                ids.add(TestNode.json(response.body()).get("id").asText());
            }
            assertEquals(1, ids.size(), "one job for one key: " + ids);
            assertEquals(1, created, "exactly one submission created it");
            String id = ids.iterator().next();
            awaitEnded(front, id, Duration.ofSeconds(15));
            assertEquals(1, seen().stream().filter(id::equals).count(), "it ran once");
            HttpResponse<String> again = submit(front, "", "once", "Idempotency-Key", key);
            assertEquals(200, again.statusCode());
            assertEquals("succeeded", TestNode.json(again.body()).get("status").asText());
            HttpResponse<String> other = submit(front, "", "once", "Idempotency-Key", key + "-other");
            assertNotEquals(id, TestNode.json(other.body()).get("id").asText());
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void aQueuedJobCancelledNeverRunsAndARunningJobCancelledStops() throws Exception {
        String running = TestNode.json(submit(front, "?sleep_ms=20000", "long").body()).get("id").asText();
        awaitStatus(front, running, "running");
        String queued = TestNode.json(submit(front, "", "behind").body()).get("id").asText();
        TestNode.sleep(300);
        assertEquals("queued", front.getJson("/v1/jobs/" + queued).get("status").asText(), "one slot: it waits");

        HttpResponse<String> cancelQueued = front.send(HttpRequest.newBuilder(front.uri("/v1/jobs/" + queued)).DELETE().build());
        assertEquals(200, cancelQueued.statusCode(), cancelQueued.body());
        assertEquals("cancelled", TestNode.json(cancelQueued.body()).get("status").asText());

        long asked = System.nanoTime();
        HttpResponse<String> cancelRunning = worker.send(HttpRequest.newBuilder(worker.uri("/v1/jobs/" + running)).DELETE().build());
        assertEquals(200, cancelRunning.statusCode(), cancelRunning.body());
        // the slot frees long before the 20 s sleep would end: the next job runs
        String next = TestNode.json(submit(front, "", "after").body()).get("id").asText();
        assertEquals("succeeded", awaitEnded(front, next, Duration.ofSeconds(10)).get("status").asText());
        assertTrue(System.nanoTime() - asked < Duration.ofSeconds(10).toNanos());

        JsonNode cancelled = front.getJson("/v1/jobs/" + running);
        assertEquals("cancelled", cancelled.get("status").asText());
        assertEquals("cancelled", cancelled.get("error").get("kind").asText());
        assertEquals("cancelled", front.getJson("/v1/jobs/" + queued).get("status").asText());
        assertFalse(seen().contains(queued), "the cancelled queued job never ran");
        assertEquals(409, front.send(HttpRequest.newBuilder(front.uri("/v1/jobs/" + next)).DELETE().build()).statusCode(),
                "an ended job cannot be cancelled");
        assertEquals(409, front.get("/v1/jobs/" + running + "/result").statusCode());
    }

    @Test
    void aPermanentFailureEndsAtOnceAndATransientOneIsRetriedUpToMaxAttemptsWithEveryReason() {
        String bad = TestNode.json(submit(front, "?fail=bad_input", "x").body()).get("id").asText();
        JsonNode failed = awaitEnded(front, bad, Duration.ofSeconds(15));
        assertEquals("failed", failed.get("status").asText());
        assertEquals("bad_input", failed.get("error").get("kind").asText());
        assertEquals(1, failed.get("attempts").size());

        String flaky = TestNode.json(submit(front, "?fail=unavailable", "x").body()).get("id").asText();
        JsonNode exhausted = awaitEnded(front, flaky, Duration.ofSeconds(20));
        assertEquals("failed", exhausted.get("status").asText(), exhausted.toString());
        assertEquals(3, exhausted.get("attempts").size(), exhausted.toString());
        for (JsonNode attempt : exhausted.get("attempts")) {
            assertEquals("unavailable", attempt.get("outcome").asText());
            assertTrue(attempt.get("reason").asText().contains("failing on purpose"), attempt.toString());
        }
    }

    @Test
    void eventsFollowAJobFromQueuedToSucceededWithItsProgressAndPartials() throws Exception {
        String id = TestNode.json(submit(front, "?pieces=3&piece_ms=100", "x").body()).get("id").asText();
        HttpResponse<InputStream> response = HTTP.send(HttpRequest.newBuilder(front.uri("/v1/jobs/" + id + "/events")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        List<SseEvents.Received> events;
        try (InputStream in = response.body()) {
            events = SseEvents.read(in, 100);
        }
        List<String> names = events.stream().map(SseEvents.Received::name).toList();
        assertEquals("status", names.getFirst());
        assertEquals("status", names.getLast());
        assertEquals("succeeded", events.getLast().data().get("status").asText());
        assertEquals(3, names.stream().filter("partial"::equals).count(), names.toString());
        assertEquals(3, names.stream().filter("progress"::equals).count(), names.toString());
        // a job that ended answers its state and ends the stream at once
        HttpResponse<String> after = HTTP.send(HttpRequest.newBuilder(worker.uri("/v1/jobs/" + id + "/events")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(after.body().startsWith("event: status") || after.body().startsWith("event:status"), after.body());
    }

    @Test
    void theCallbackIsPostedOnceWithTheResultAfterRetryingAFailingReceiver() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        List<String> bodies = new CopyOnWriteArrayList<>();
        WebServer receiver = WebServer.builder().host("127.0.0.1").port(0)
                .routing(routing -> routing.post("/hook", (request, response) -> {
                    int call = calls.incrementAndGet();
                    bodies.add(request.headers().first(io.helidon.http.HeaderNames.create("X-Capfabric-Job-Status")).orElse("?") + " "
                            + new String(request.content().as(byte[].class), StandardCharsets.UTF_8));
                    response.status(call <= 2 ? 500 : 204).send();
                })).build().start();
        try {
            String url = "http://127.0.0.1:" + receiver.port() + "/hook";
            String id = TestNode.json(submit(front, "", "call me", "X-Capfabric-Callback-Url", url).body()).get("id").asText();
            awaitEnded(front, id, Duration.ofSeconds(15));
            FabricNodes.await(() -> calls.get() >= 3, Duration.ofSeconds(10), "three callback tries");
            TestNode.sleep(500);
            assertEquals(3, calls.get(), "no call after the receiver took it");
            assertTrue(bodies.getLast().startsWith("succeeded ") && bodies.getLast().contains("call me"), bodies.getLast());
        } finally {
            receiver.stop();
        }
    }

    @Test
    void listingIsPagedAndFilteredByStatus() {
        Set<String> mine = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            mine.add(TestNode.json(submit(front, "", "list " + i).body()).get("id").asText());
        }
        mine.forEach(id -> awaitEnded(front, id, Duration.ofSeconds(15)));
        Set<String> listed = new HashSet<>();
        String next = "/v1/jobs?status=succeeded&limit=2";
        int pages = 0;
        while (next != null) {
            JsonNode page = front.getJson(next);
            assertTrue(page.get("jobs").size() <= 2);
            for (JsonNode job : page.get("jobs")) {
                assertEquals("succeeded", job.get("status").asText());
                assertTrue(listed.add(job.get("id").asText()), "listed twice: " + job.get("id"));
            }
            next = page.has("next") ? page.get("next").asText() : null;
            pages++;
        }
        assertTrue(listed.containsAll(mine), "every job of mine listed: " + listed);
        assertTrue(pages >= 3);
    }

    @Test
    void badRequestsAreClearJsonErrors() {
        record Case(String method, String path, String body, int status, String kind, String[] headers) {
        }
        List<Case> cases = List.of(
                new Case("GET", "/v1/jobs/nosuchjob123", null, 404, "not_found", new String[0]),
                new Case("GET", "/v1/jobs/bad.id!", null, 404, "not_found", new String[0]),
                new Case("GET", "/v1/jobs/nosuchjob123/result", null, 404, "not_found", new String[0]),
                new Case("DELETE", "/v1/jobs/nosuchjob123", null, 404, "not_found", new String[0]),
                new Case("GET", "/v1/jobs?status=done", null, 400, "bad_input", new String[0]),
                new Case("GET", "/v1/jobs?limit=0", null, 400, "bad_input", new String[0]),
                new Case("GET", "/v1/jobs?limit=100000", null, 400, "bad_input", new String[0]),
                new Case("GET", "/v1/jobs?limit=ten", null, 400, "bad_input", new String[0]),
                new Case("POST", "/v1/jobs/nosuchcap", "x", 404, "not_found", new String[0]),
                new Case("POST", "/v1/jobs/echo", "x", 400, "bad_input", new String[]{"X-Capfabric-Callback-Url", "ftp://x/y"}),
                new Case("POST", "/v1/jobs/echo", "x", 400, "bad_input", new String[]{"X-Capfabric-Callback-Url", "not a url"}),
                new Case("POST", "/v1/jobs/echo", "x", 400, "bad_input", new String[]{"Idempotency-Key", "k".repeat(300)}),
                new Case("POST", "/v1/jobs/echo", "x", 400, "bad_input", new String[]{"X-Request-Timeout", "soon"}),
                new Case("POST", "/v1/jobs/echo", "x", 400, "bad_input", new String[]{"X-Capfabric-Node", "worker"}),
                new Case("POST", "/v1/jobs/echo", "{\"a\":", 400, "bad_input", new String[]{"Content-Type", "application/json"}));
        for (Case c : cases) {
            HttpRequest.Builder request = HttpRequest.newBuilder(front.uri(c.path()))
                    .method(c.method(), c.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(c.body()));
            if (c.headers().length > 0) {
                request.headers(c.headers());
            }
            HttpResponse<String> response = front.send(request.build());
            assertEquals(c.status(), response.statusCode(), c + ": " + response.body());
            assertEquals(c.kind(), TestNode.json(response.body()).get("error").get("kind").asText(), c.toString());
        }
    }
}
