package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.TestPlugins;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static dev.capfabric.kernel.fabric.FabricNodes.fabric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A job that names a provider, directly ({@code ?provider=}) or through a model alias of the OpenAI
 * front door that stands for one provider, runs where that provider is: on this node when it has it,
 * else on a node of the fabric that has it, never on another provider of the capability. Two real
 * nodes over a real nats-server; both have the capability, each through its own provider.
 */
class ProviderRoutingTest {

    @TempDir
    Path dir;

    private static final String ALIASES = """
            capfabric:
              openai:
                aliases:
                  painter-b:
                    capability: image
                    provider: paint-b
                  painter-a:
                    capability: image
                    provider: paint-a
                  painter-nobody:
                    capability: image
                    provider: paint-z
            """;

    private Path painter(String id) {
        return TestPlugins.provider("test." + id.replace('-', '_'), id, "image").answers("image/png")
                .build(dir.resolve("jars/" + id + ".jar"));
    }

    private TestNode node(String id, Path jar, Map<String, String> env) throws IOException {
        Path home = dir.resolve(id);
        Files.createDirectories(home.resolve("conf"));
        Files.writeString(home.resolve("conf/capfabric.yaml"), ALIASES);
        return FabricNodes.start(home, id, List.of(jar), env);
    }

    @Test
    void aProviderOnlyAnotherNodeHasIsRunThereThroughTheFrontDoorAndTheCapabilityRoute() throws IOException {
        try (NatsTestServer nats = NatsTestServer.start(false, 0)) {
            Map<String, String> env = FabricNodes.env(nats, Duration.ofMillis(500), Map.of());
            try (TestNode a = node("a", painter("paint-a"), env);
                 TestNode b = node("b", painter("paint-b"), env)) {
                await(() -> fabric(a).status("b") == NodeStatus.OK && fabric(a).nodes(false).nodes().stream()
                        .anyMatch(n -> n.nodeId().equals("b") && n.capabilities().containsKey("image")), Duration.ofSeconds(10),
                        "a to know b's image provider");
                await(() -> modelNodes(a, "painter-b").equals(List.of("b")), Duration.ofSeconds(10), "a to list the alias painter-b on b");

                // the alias names b's provider: a has the capability, but not that provider
                for (int i = 0; i < 5; i++) {
                    assertServedBy(generate(a, "painter-b"), "b", "paint-b");
                }
                // the provider's own id as a model, and the capability route's ?provider=
                assertServedBy(generate(a, "paint-b"), "b", "paint-b");
                HttpResponse<String> direct = a.postJson("/v1/capability/image?provider=paint-b", "{\"prompt\":\"a fox\"}");
                assertEquals(200, direct.statusCode(), direct.body());
                assertEquals("b", direct.headers().firstValue("X-Capfabric-Node").orElseThrow());
                assertEquals("paint-b on b", direct.body());
                // from b, the alias of a's provider goes to a; each node keeps what it has itself
                assertServedBy(generate(b, "painter-a"), "a", "paint-a");
                assertServedBy(generate(a, "painter-a"), "a", "paint-a");
                assertServedBy(generate(b, "painter-b"), "b", "paint-b");

                // a provider no node has: the alias is no model (404), the capability route refuses it for good
                HttpResponse<String> nobody = a.postJson("/v1/images/generations",
                        "{\"model\":\"painter-nobody\",\"prompt\":\"a fox\",\"response_format\":\"b64_json\"}");
                assertEquals(404, nobody.statusCode(), nobody.body());
                assertEquals("model_not_found", TestNode.json(nobody.body()).at("/error/code").asText());
                HttpResponse<String> unknown = a.postJson("/v1/capability/image?provider=paint-z", "{\"prompt\":\"a fox\"}");
                assertEquals(422, unknown.statusCode(), unknown.body());
                assertEquals("not_offered", TestNode.json(unknown.body()).at("/error/kind").asText(), unknown.body());
                assertTrue(unknown.body().contains("paint-z"), unknown.body());
                assertFalse(unknown.headers().firstValue("X-Capfabric-Provider").isPresent(),
                        "no header names a provider that does not exist: " + unknown.headers().map());
            }
        }
    }

    @Test
    void aProviderOnAStoppedNodeIsUnavailableNotRunByAnotherProvider() throws IOException {
        try (NatsTestServer nats = NatsTestServer.start(false, 0)) {
            Map<String, String> env = FabricNodes.env(nats, Duration.ofMillis(500), Map.of());
            try (TestNode a = node("a", painter("paint-a"), env)) {
                try (TestNode b = node("b", painter("paint-b"), env)) {
                    await(() -> fabric(a).status("b") == NodeStatus.OK && fabric(a).nodes(false).nodes().stream()
                            .anyMatch(n -> n.nodeId().equals("b") && n.capabilities().containsKey("image")), Duration.ofSeconds(10),
                            "a to know b's image provider");
                    assertEquals(200, a.postJson("/v1/capability/image?provider=paint-b", "{}").statusCode());
                }
                // b said bye: its provider may come back, so the job is not run by a's paint-a and not refused for good
                await(() -> fabric(a).status("b") == NodeStatus.GONE, Duration.ofSeconds(10), "a to hear b leave");
                HttpResponse<String> gone = a.postJson("/v1/capability/image?provider=paint-b", "{}");
                assertEquals(503, gone.statusCode(), gone.body());
                assertFalse(gone.body().contains("paint-a on a"), gone.body());
            }
        }
    }

    private static HttpResponse<String> generate(TestNode node, String model) {
        return node.postJson("/v1/images/generations", "{\"model\":\"" + model + "\",\"prompt\":\"a fox\",\"response_format\":\"b64_json\"}");
    }

    private static void assertServedBy(HttpResponse<String> response, String node, String provider) {
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(node, response.headers().firstValue("X-Capfabric-Node").orElseThrow(), response.body());
        assertEquals(provider, response.headers().firstValue("X-Capfabric-Provider").orElseThrow());
        JsonNode image = TestNode.json(response.body()).at("/data/0/b64_json");
        assertEquals(provider + " on " + node, new String(Base64.getDecoder().decode(image.asText()), StandardCharsets.UTF_8));
    }

    private static List<String> modelNodes(TestNode node, String model) {
        HttpResponse<String> response = node.get("/v1/models/" + model);
        if (response.statusCode() != 200) {
            return List.of();
        }
        List<String> nodes = new java.util.ArrayList<>();
        TestNode.json(response.body()).get("nodes").forEach(n -> nodes.add(n.asText()));
        return nodes;
    }
}
