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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DispatchTest {

    @TempDir
    Path home;

    private final List<TestNode> nodes = new ArrayList<>();

    @AfterEach
    void stopNodes() {
        nodes.forEach(TestNode::close);
    }

    private TestNode start(int concurrency, Map<String, String> env) {
        return start(concurrency, "PLATFORM", env);
    }

    /** A node with one echo provider declaring {@code threading} (a ProviderDescription.Threading name). */
    private TestNode start(int concurrency, String threading, Map<String, String> env) {
        TestPlugins.provider("test.echo", "echo-one", "echo").concurrency(concurrency).threading(threading)
                .build(home.resolve("plugins/echo.jar"));
        TestNode node = TestNode.start(home, "dispatch-test", env);
        nodes.add(node);
        return node;
    }

    private List<String> seen() throws Exception {
        Path log = home.resolve("work/data/echo-one/seen.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLATFORM", "VIRTUAL"})
    void concurrentJobsAllCompleteExactlyOnceWithinTheConcurrencyBound(String threading) throws Exception {
        TestNode node = start(4, threading, Map.of("CAPFABRIC_DISPATCH_QUEUE__CAPACITY", "512"));
        int jobs = 200;
        List<Future<HttpResponse<String>>> responses = new ArrayList<>();
        try (ExecutorService clients = Executors.newFixedThreadPool(32)) {
            for (int i = 0; i < jobs; i++) {
                String id = "job-" + i;
                responses.add(clients.submit(() -> node.postJson("/v1/capability/echo?sleep_ms=2", "{\"text\":\"" + id + "\"}",
                        "X-Capfabric-Job-Id", id)));
            }
            Set<String> answered = new HashSet<>();
            for (Future<HttpResponse<String>> response : responses) {
                HttpResponse<String> r = response.get();
                assertEquals(200, r.statusCode(), r.body());
                assertEquals("dispatch-test", r.headers().firstValue("X-Capfabric-Node").orElseThrow());
                assertEquals("echo-one", r.headers().firstValue("X-Capfabric-Provider").orElseThrow());
                String text = TestNode.json(r.body()).at("/params/text").asText();
                assertEquals(r.headers().firstValue("X-Capfabric-Job-Id").orElseThrow(), text, "each caller gets its own job's answer");
                int mostAtOnce = TestNode.json(r.body()).at("/most_at_once").asInt();
                assertTrue(mostAtOnce >= 1 && mostAtOnce <= 4, "the provider ran at most its declared 4 jobs at once: " + mostAtOnce);
                answered.add(text);
            }
            assertEquals(jobs, answered.size());
        }
        List<String> seen = seen();
        assertEquals(jobs, seen.size(), "the provider ran each job once");
        assertEquals(jobs, new HashSet<>(seen).size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLATFORM", "VIRTUAL"})
    void fullQueueIsRefusedAtOnceWith429AndRetryAfter(String threading) throws Exception {
        TestNode node = start(1, threading, Map.of("CAPFABRIC_DISPATCH_QUEUE__CAPACITY", "2"));
        List<CompletableFuture<HttpResponse<String>>> occupying = new ArrayList<>();
        // one running, two waiting: the queue is then full
        for (int i = 0; i < 3; i++) {
            occupying.add(CompletableFuture.supplyAsync(() -> node.postJson("/v1/capability/echo?sleep_ms=1500", "{}")));
            Thread.sleep(150);
        }
        HttpResponse<String> refused = node.postJson("/v1/capability/echo", "{}");
        assertEquals(429, refused.statusCode(), refused.body());
        assertTrue(Integer.parseInt(refused.headers().firstValue("Retry-After").orElseThrow()) >= 1);
        assertEquals("queue_full", TestNode.json(refused.body()).at("/error/kind").asText());
        for (CompletableFuture<HttpResponse<String>> job : occupying) {
            assertEquals(200, job.get().statusCode(), "queued jobs are not lost");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLATFORM", "VIRTUAL"})
    void jobWhoseDeadlinePassesInTheQueueGets504AndNeverReachesTheProvider(String threading) throws Exception {
        TestNode node = start(1, threading, Map.of());
        CompletableFuture<HttpResponse<String>> blocker = CompletableFuture.supplyAsync(
                () -> node.postJson("/v1/capability/echo?sleep_ms=1000", "{}", "X-Capfabric-Job-Id", "blocker"));
        Thread.sleep(150);

        HttpResponse<String> expired = node.postJson("/v1/capability/echo", "{}",
                "X-Request-Timeout", "200", "X-Capfabric-Job-Id", "late-job");

        assertEquals(504, expired.statusCode(), expired.body());
        assertEquals("timeout", TestNode.json(expired.body()).at("/error/kind").asText());
        assertEquals(200, blocker.get().statusCode());
        Thread.sleep(200); // the worker has dequeued and dropped the late job by now
        assertFalse(seen().contains("late-job"), "the provider never saw the expired job: " + seen());
        assertTrue(seen().contains("blocker"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLATFORM", "VIRTUAL"})
    void providerRunsOnTheKindOfThreadItDeclares(String threading) {
        TestNode node = start(2, threading, Map.of());
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = node.postJson("/v1/capability/echo", "{}");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(threading.equals("VIRTUAL"), TestNode.json(r.body()).at("/virtual_thread").asBoolean(), r.body());
        }
    }

    @Test
    void capabilityWithAnyPlatformProviderRunsAllItsJobsOnPlatformThreads() {
        TestPlugins.provider("test.remote", "echo-remote", "echo").threading("VIRTUAL").order(1)
                .build(home.resolve("plugins/remote.jar"));
        TestNode node = start(1, "PLATFORM", Map.of());
        node.awaitCaps(c -> c.at("/capabilities/echo/providers").size() == 2, java.time.Duration.ofSeconds(10), "both providers");
        for (String provider : List.of("echo-one", "echo-remote")) {
            HttpResponse<String> r = node.postJson("/v1/capability/echo?provider=" + provider, "{}");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(provider, r.headers().firstValue("X-Capfabric-Provider").orElseThrow());
            assertFalse(TestNode.json(r.body()).at("/virtual_thread").asBoolean(), provider + " ran on a platform thread: " + r.body());
        }
    }

    @Test
    void providerErrorKindsMapToTheirStatusesAndNameTheProvider() {
        TestNode node = start(1, Map.of());
        Map<String, Integer> expected = new HashMap<>(Map.of(
                "bad_input", 400, "too_large", 413, "unprocessable", 422, "unavailable", 503, "timeout", 504, "internal", 500));
        expected.forEach((kind, status) -> {
            HttpResponse<String> response = node.postJson("/v1/capability/echo?fail=" + kind, "{}");
            assertEquals(status, response.statusCode(), kind + ": " + response.body());
            JsonNode error = TestNode.json(response.body()).get("error");
            assertEquals(kind, error.get("kind").asText());
            assertTrue(error.get("message").asText().contains("failing on purpose"));
            assertEquals("echo-one", error.at("/details/provider").asText());
            assertEquals("echo-one", response.headers().firstValue("X-Capfabric-Provider").orElseThrow());
        });
        HttpResponse<String> thrown = node.postJson("/v1/capability/echo?throw=1", "{}");
        assertEquals(500, thrown.statusCode());
        assertTrue(thrown.body().contains("thrown on purpose"), thrown.body());
        assertEquals(200, node.postJson("/v1/capability/echo", "{}").statusCode(), "the lane survives failing jobs");
    }

    @Test
    void oversizedBodyIsRefusedWith413() {
        TestNode node = start(1, Map.of("CAPFABRIC_DISPATCH_MAX__BODY__BYTES", "1024"));
        HttpResponse<String> response = node.post("/v1/capability/echo", "application/octet-stream", new byte[4096]);
        assertEquals(413, response.statusCode(), response.body());
        assertEquals("too_large", TestNode.json(response.body()).at("/error/kind").asText());
        assertEquals(200, node.post("/v1/capability/echo", "application/octet-stream", new byte[1024]).statusCode());
    }

    @Test
    void malformedJsonIsRefusedWith400() {
        TestNode node = start(1, Map.of());
        for (String body : List.of("{\"text\": ", "[1,2]", "\"just a string\"", "{\"a\":1}}")) {
            HttpResponse<String> response = node.postJson("/v1/capability/echo", body);
            assertEquals(400, response.statusCode(), body + " → " + response.body());
            assertEquals("bad_input", TestNode.json(response.body()).at("/error/kind").asText());
        }
    }

    @Test
    void jsonFieldsAndQueryParametersBecomeJobParameters() {
        TestNode node = start(1, Map.of());
        JsonNode answer = TestNode.json(node.postJson("/v1/capability/echo?language=de&voice=query",
                "{\"text\": \"hallo\", \"speed\": 1.5, \"fast\": true, \"voice\": \"body\", \"nested\": {\"x\": 1}}").body());
        JsonNode params = answer.get("params");
        assertEquals("hallo", params.get("text").asText());
        assertEquals("1.5", params.get("speed").asText());
        assertEquals("true", params.get("fast").asText());
        assertEquals("de", params.get("language").asText());
        assertEquals("query", params.get("voice").asText(), "the query string wins");
        assertFalse(params.has("nested"));
    }

    @Test
    void rawBytesComeBackWithTheirMediaType() {
        TestNode node = start(1, Map.of());
        byte[] audio = new byte[]{82, 73, 70, 70, 0, 1, 2, 3};
        HttpResponse<String> response = node.post("/v1/capability/echo?echo_bytes=1", "audio/wav", audio);
        assertEquals(200, response.statusCode());
        assertEquals("audio/wav", response.headers().firstValue("Content-Type").orElseThrow());
    }

    @Test
    void unknownCapabilityIs404NamingTheKnownOnes() {
        TestNode node = start(1, Map.of());
        HttpResponse<String> response = node.postJson("/v1/capability/teleport", "{}");
        assertEquals(404, response.statusCode());
        JsonNode error = TestNode.json(response.body()).get("error");
        assertEquals("not_found", error.get("kind").asText());
        assertEquals("echo", error.at("/details/known/0").asText());
    }

    @Test
    void unknownProviderOrUnofferedModelIsRefusedClearly() {
        TestPlugins.provider("test.modeled", "modeled", "speak").models("small").languages("en").build(home.resolve("plugins/modeled.jar"));
        TestNode node = start(1, Map.of());
        assertEquals(422, node.postJson("/v1/capability/echo?provider=nope", "{}").statusCode());
        HttpResponse<String> model = node.postJson("/v1/capability/speak?model=huge", "{}");
        assertEquals(422, model.statusCode(), model.body());
        assertTrue(model.body().contains("huge"), model.body());
        assertEquals(200, node.postJson("/v1/capability/speak?model=small&language=en", "{}").statusCode());
    }

    @Test
    void onlyOneCapabilitySegmentIsAJobPath() {
        TestNode node = start(1, Map.of());
        for (String path : List.of("/v1/capability/echo/extra", "/v1/capability/", "/v1/capability/a%2Fb", "/v1/capability/%2e%2e")) {
            HttpResponse<String> response = node.postJson(path, "{}");
            assertEquals(404, response.statusCode(), path + " → " + response.body());
            assertEquals("not_found", TestNode.json(response.body()).at("/error/kind").asText());
        }
        HttpResponse<String> get = node.get("/v1/capability/echo");
        assertEquals(405, get.statusCode(), get.body());
        assertEquals("POST", get.headers().firstValue("Allow").orElseThrow());
        assertEquals(404, node.get("/v1/capability/echo/extra").statusCode());
        assertEquals(200, node.postJson("/v1/capability/echo", "{}").statusCode());
    }

    @Test
    void badRequestHeadersAreRefusedWith400() {
        TestNode node = start(1, Map.of());
        assertEquals(400, node.postJson("/v1/capability/echo", "{}", "X-Request-Timeout", "soon").statusCode());
        assertEquals(400, node.postJson("/v1/capability/echo", "{}", "X-Request-Timeout", "-5").statusCode());
        assertEquals(400, node.postJson("/v1/capability/echo", "{}", "X-Capfabric-Node", "a.b").statusCode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLATFORM", "VIRTUAL"})
    void runningJobWhoseDeadlinePassesGets504AndIsCancelled(String threading) throws Exception {
        TestNode node = start(1, threading, Map.of());
        long start = System.nanoTime();
        HttpResponse<String> late = node.postJson("/v1/capability/echo?sleep_ms=20000", "{}", "X-Request-Timeout", "300");
        assertEquals(504, late.statusCode(), late.body());
        assertEquals("timeout", TestNode.json(late.body()).at("/error/kind").asText());
        assertTrue(System.nanoTime() - start < java.time.Duration.ofSeconds(15).toNanos(), "answered at the deadline, not after the job");
        // the provider saw job.cancellation() and stopped: its slot is free long before its 20 s
        node.awaitCaps(c -> c.at("/load/inflight/echo").asInt() == 0, java.time.Duration.ofSeconds(10), "the job to stop");
        assertEquals(200, node.postJson("/v1/capability/echo", "{}").statusCode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLATFORM", "VIRTUAL"})
    void queueDepthAndInflightAreLiveOnCaps(String threading) throws Exception {
        TestNode node = start(1, threading, Map.of());
        List<CompletableFuture<HttpResponse<String>>> jobs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            jobs.add(CompletableFuture.supplyAsync(() -> node.postJson("/v1/capability/echo?sleep_ms=800", "{}")));
        }
        JsonNode caps = node.awaitCaps(c -> c.at("/load/queue_depth/echo").asInt() == 2 && c.at("/load/inflight/echo").asInt() == 1,
                java.time.Duration.ofSeconds(5), "one running, two waiting");
        assertEquals(2, caps.at("/load/queue_depth/echo").asInt());
        for (CompletableFuture<HttpResponse<String>> job : jobs) {
            job.get();
        }
        node.awaitCaps(c -> c.at("/load/queue_depth/echo").asInt() == 0 && c.at("/load/inflight/echo").asInt() == 0,
                java.time.Duration.ofSeconds(5), "all done");
    }

    @Test
    void randomRequestsNeverMakeTheKernelFail() {
        TestNode node = start(2, Map.of("CAPFABRIC_DISPATCH_MAX__BODY__BYTES", "4096"));
        java.util.Random random = new java.util.Random(42);
        String[] types = {"application/json", "audio/wav", "image/png", "text/plain", "application/x-www-form-urlencoded",
                "application/json; charset=utf-8", "garbage", "", "application/problem+json"};
        String[] paths = {"/v1/capability/echo", "/v1/capability/ECHO", "/v1/capability/", "/v1/capability/echo/extra",
                "/v1/capability/%2e%2e", "/v1/capability/echo?fail=nonsense", "/v1/capability/echo?sleep_ms=x",
                "/v1/capability/a-b-c", "/caps", "/v1/capability/echo?provider="};
        int served = 0;
        for (int i = 0; i < 2000; i++) {
            byte[] body = new byte[random.nextInt(6000)];
            random.nextBytes(body);
            if (random.nextBoolean()) {
                body = ("{\"text\":\"" + random.nextInt() + "\"" + (random.nextBoolean() ? "}" : "")).getBytes();
            }
            String type = types[random.nextInt(types.length)];
            HttpResponse<String> response = node.post(paths[random.nextInt(paths.length)], type.isEmpty() ? null : type, body);
            boolean providerFault = response.body().contains("\"provider\":\"echo-one\"");
            assertFalse(response.statusCode() >= 500 && !providerFault,
                    "kernel answered " + response.statusCode() + ": " + response.body());
            if (response.statusCode() == 200) {
                served++;
            }
        }
        assertTrue(served > 100, "some requests were well formed and served: " + served);
        assertEquals(200, node.get("/health/live").statusCode());
        assertEquals(200, node.postJson("/v1/capability/echo", "{}").statusCode());
    }
}
