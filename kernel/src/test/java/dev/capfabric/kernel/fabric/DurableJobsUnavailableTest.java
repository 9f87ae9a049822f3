package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Without NATS, or with NATS but no JetStream, every {@code /v1/jobs} route answers 503 saying why; synchronous jobs run on. */
class DurableJobsUnavailableTest {

    @TempDir
    Path dir;

    private static void assertEveryRouteUnavailable(TestNode node, String because) {
        List<HttpRequest> requests = List.of(
                HttpRequest.newBuilder(node.uri("/v1/jobs/echo")).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                HttpRequest.newBuilder(node.uri("/v1/jobs/abc")).GET().build(),
                HttpRequest.newBuilder(node.uri("/v1/jobs/abc/result")).GET().build(),
                HttpRequest.newBuilder(node.uri("/v1/jobs/abc/events")).GET().build(),
                HttpRequest.newBuilder(node.uri("/v1/jobs/abc")).DELETE().build(),
                HttpRequest.newBuilder(node.uri("/v1/jobs?status=queued")).GET().build());
        for (HttpRequest request : requests) {
            HttpResponse<String> response = node.send(request);
            assertEquals(503, response.statusCode(), request + ": " + response.body());
            var error = TestNode.json(response.body()).get("error");
            assertEquals("unavailable", error.get("kind").asText());
            assertTrue(error.get("message").asText().contains(because), error.toString());
            assertTrue(response.headers().firstValue("Retry-After").isPresent());
        }
        HttpResponse<String> sync = node.post("/v1/capability/echo", "text/plain", "still here".getBytes(StandardCharsets.UTF_8));
        assertEquals(200, sync.statusCode(), sync.body());
    }

    @Test
    void aNodeWithoutNatsSaysDurableJobsNeedIt() {
        Path echo = FabricNodes.plugin(dir.resolve("jars"), "echo-one", "echo", 1);
        try (TestNode alone = FabricNodes.startAlone(dir.resolve("alone"), "alone", List.of(echo))) {
            assertEveryRouteUnavailable(alone, "NATS");
        }
    }

    @Test
    void aNatsServerWithoutJetStreamIsNamedAsTheReason() {
        Path echo = FabricNodes.plugin(dir.resolve("jars"), "echo-one", "echo", 1);
        try (NatsTestServer plain = NatsTestServer.start(false, 0);
             TestNode node = FabricNodes.start(dir.resolve("plain"), "plain", List.of(echo),
                     FabricNodes.env(plain, Duration.ofMillis(500), Map.of()))) {
            assertEveryRouteUnavailable(node, "JetStream");
        }
    }
}
