package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.TestPlugins;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static dev.capfabric.kernel.fabric.FabricNodes.fabric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A job that names a voice reaches a provider that has it, on this node or another. */
class VoiceRoutingTest {

    @TempDir
    Path dir;

    private Path speaker(String id, int order, String... voices) {
        return TestPlugins.provider("test." + id.replace('-', '_'), id, "speak").order(order).voices(voices).build(dir.resolve("jars/" + id + ".jar"));
    }

    @Test
    void aVoiceGoesToTheLocalProviderThatHasItAndAnUnknownProviderIsNotNamedInTheHeader() {
        Path kevin = speaker("kevin-tts", 10, "kevin", "kevin16");
        Path slt = speaker("slt-tts", 1, "slt", "awb");
        try (TestNode node = FabricNodes.startAlone(dir.resolve("node"), "voices", List.of(kevin, slt))) {
            assertEquals("kevin-tts", providerOf(node.postJson("/v1/capability/speak", "{}")), "the preferred one without a voice");
            assertEquals("slt-tts", providerOf(node.postJson("/v1/capability/speak?voice=slt", "{}")));
            assertEquals("slt-tts", providerOf(node.postJson("/v1/capability/speak", "{\"voice\": \"awb\"}")), "also from the JSON body");
            assertEquals("kevin-tts", providerOf(node.postJson("/v1/capability/speak?voice=kevin16", "{}")));

            HttpResponse<String> nobody = node.postJson("/v1/capability/speak?voice=rms", "{}");
            assertEquals(422, nobody.statusCode(), "no provider offers it: permanent, " + nobody.body());
            assertTrue(nobody.body().contains("rms"), nobody.body());

            HttpResponse<String> unknown = node.postJson("/v1/capability/speak?provider=no-such-tts", "{}");
            assertEquals(422, unknown.statusCode(), unknown.body());
            assertFalse(unknown.headers().firstValue("X-Capfabric-Provider").isPresent(),
                    "no header names a provider that does not exist: " + unknown.headers().map());
        }
    }

    @Test
    void aVoiceOnlyAnotherNodeHasIsRoutedThere() {
        try (NatsTestServer nats = NatsTestServer.start(false, 0)) {
            Map<String, String> env = FabricNodes.env(nats, Duration.ofMillis(500), Map.of());
            try (TestNode a = FabricNodes.start(dir.resolve("a"), "a", List.of(speaker("kevin-tts", 10, "kevin")), env);
                 TestNode b = FabricNodes.start(dir.resolve("b"), "b", List.of(speaker("slt-tts", 1, "slt")), env)) {
                await(() -> fabric(a).status("b") == NodeStatus.OK && fabric(a).nodes(false).nodes().stream()
                        .anyMatch(n -> n.nodeId().equals("b") && n.capabilities().containsKey("speak")), Duration.ofSeconds(10), "a to know b's voices");

                HttpResponse<String> here = a.postJson("/v1/capability/speak?voice=kevin", "{}");
                assertEquals("a", here.headers().firstValue("X-Capfabric-Node").orElseThrow());
                HttpResponse<String> there = a.postJson("/v1/capability/speak?voice=slt", "{}");
                assertEquals(200, there.statusCode(), there.body());
                assertEquals("b", there.headers().firstValue("X-Capfabric-Node").orElseThrow());
                assertEquals("slt-tts", providerOf(there));

                HttpResponse<String> nowhere = a.postJson("/v1/capability/speak?voice=rms", "{}");
                assertEquals(422, nowhere.statusCode(), nowhere.body());
                assertTrue(nowhere.body().contains("rms"), nowhere.body());
            }
        }
    }

    private static String providerOf(HttpResponse<String> response) {
        assertEquals(200, response.statusCode(), response.body());
        return response.headers().firstValue("X-Capfabric-Provider").orElseThrow();
    }
}
