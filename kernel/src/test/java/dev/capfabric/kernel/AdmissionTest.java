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
}
