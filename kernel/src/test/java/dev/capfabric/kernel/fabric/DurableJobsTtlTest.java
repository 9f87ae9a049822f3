package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A job's state and result are kept for {@code capfabric.jobs.ttl-s}, then gone (404) from every node. */
class DurableJobsTtlTest {

    @TempDir
    Path dir;

    @Test
    void stateAndResultExpireAfterTheTtl() {
        Path echo = FabricNodes.plugin(dir.resolve("jars"), "echo-one", "echo", 2);
        try (NatsTestServer nats = NatsTestServer.start(true, 0);
             TestNode node = FabricNodes.start(dir.resolve("n"), "n", List.of(echo),
                     FabricNodes.env(nats, Duration.ofMillis(500), Map.of("CAPFABRIC_JOBS_TTL__S", "2")))) {
            HttpResponse<String> accepted = node.post("/v1/jobs/echo", "text/plain", "brief".getBytes(StandardCharsets.UTF_8));
            assertEquals(202, accepted.statusCode(), accepted.body());
            String id = TestNode.json(accepted.body()).get("id").asText();
            DurableJobsTest.awaitEnded(node, id, Duration.ofSeconds(10));
            assertEquals(200, node.get("/v1/jobs/" + id + "/result").statusCode());
            FabricNodes.await(() -> node.get("/v1/jobs/" + id).statusCode() == 404, Duration.ofSeconds(10), "the state expired");
            FabricNodes.await(() -> node.get("/v1/jobs/" + id + "/result").statusCode() == 404, Duration.ofSeconds(10),
                    "the result expired");
            assertEquals("not_found", TestNode.json(node.get("/v1/jobs/" + id).body()).get("error").get("kind").asText());
        }
    }
}
