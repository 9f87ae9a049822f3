package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.TestPlugins;
import dev.capfabric.kernel.cli.CliRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static dev.capfabric.kernel.fabric.FabricNodes.fabric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Plugin rollouts over a nats-server without JetStream: small jars still go inline, with progress;
 * a jar larger than one NATS message is refused for every node at once, saying to enable JetStream;
 * malformed rollout requests get a JSON 4xx.
 */
class RolloutWithoutJetStreamTest {

    @TempDir
    static Path dir;

    static NatsTestServer nats;
    static TestNode x;
    static TestNode y;
    static String key;

    @BeforeAll
    static void startFabric() throws Exception {
        nats = NatsTestServer.start(false, 0);
        key = ApiKeyRoutesTest.newKey(dir.resolve("keys"), "ops", "admin,read");
        Map<String, String> adminOn = Map.of("CAPFABRIC_FABRIC_ADMIN_ENABLED", "true");
        x = FabricNodes.start(dir.resolve("x"), "x", List.of(), FabricNodes.env(nats, Duration.ofMillis(400),
                Map.of("CAPFABRIC_FABRIC_ADMIN_ENABLED", "true", "CAPFABRIC_HTTP_KEYS__FILE", dir.resolve("keys").toString())));
        y = FabricNodes.start(dir.resolve("y"), "y", List.of(), FabricNodes.env(nats, Duration.ofMillis(400), adminOn));
        await(() -> fabric(x).status("y") == NodeStatus.OK, Duration.ofSeconds(10), "x to see y");
    }

    @AfterAll
    static void stopFabric() {
        for (TestNode node : new TestNode[]{x, y}) {
            if (node != null) {
                node.close();
            }
        }
        if (nats != null) {
            nats.close();
        }
    }

    private static CliRun cli(String... args) {
        return CliRun.with(Map.of("CAPFABRIC_URL", x.uri("").toString(), "CAPFABRIC_API_KEY", key), args);
    }

    @Test
    void smallJarsGoInlineWithProgress() {
        Path jar = TestPlugins.provider("test.small", "small-echo", "small").build(dir.resolve("jars/small.jar"));
        CliRun install = cli("plugin", "install", jar.toString(), "--all", "--json");
        assertEquals(0, install.status(), install.out() + install.err());
        JsonNode rollout = TestNode.json(install.out());
        assertEquals("inline", rollout.path("transport").asText(), install.out());
        assertEquals(0, rollout.path("failed").asInt());
        assertTrue(install.err().lines().anyMatch(line -> line.matches("\\s+y\\s+.*verified.*")), install.err());
        assertTrue(install.err().lines().anyMatch(line -> line.matches("\\s+y\\s+.*loaded.*")), install.err());
        y.awaitCaps(caps -> caps.at("/capabilities/small").isObject(), Duration.ofSeconds(5), "small on y");
    }

    @Test
    void aFolderOfPluginJarsInstallsEachButAFolderPluginWithLibrariesIsRefused() {
        Path plugins = dir.resolve("folder-of-plugins");
        TestPlugins.provider("test.one", "one-echo", "one").build(plugins.resolve("one.jar"));
        TestPlugins.provider("test.two", "two-echo", "two").build(plugins.resolve("two.jar"));
        CliRun both = cli("plugin", "install", plugins.toString(), "--node", "y");
        assertEquals(0, both.status(), both.out() + both.err());
        assertTrue(both.out().contains("plugin one.jar") && both.out().contains("plugin two.jar"), both.out());
        y.awaitCaps(caps -> caps.at("/capabilities/one").isObject() && caps.at("/capabilities/two").isObject(), Duration.ofSeconds(5),
                "one and two on y");

        Path folderPlugin = dir.resolve("folder-plugin");
        TestPlugins.provider("test.three", "three-echo", "three").build(folderPlugin.resolve("three.jar"));
        TestPlugins.automaticLibrary(folderPlugin.resolve("helper-lib.jar"), "1");
        CliRun refused = cli("plugin", "install", folderPlugin.toString(), "--node", "y");
        assertEquals(1, refused.status(), refused.out() + refused.err());
        assertTrue(refused.err().contains("helper-lib.jar") && refused.err().contains("folder plugin"), refused.err());
        assertTrue(Files.notExists(y.plugins.resolve("three.jar")), "nothing of the folder was installed");
    }

    @Test
    void aJarAboveTheMaxPayloadIsRefusedSayingToEnableJetStream() throws Exception {
        Path jar = ConsoleCliTest.padded(TestPlugins.provider("test.large", "large-echo", "large").build(dir.resolve("jars/build/large.jar")),
                dir.resolve("jars/large.jar"), 2 << 20);
        CliRun install = cli("plugin", "install", jar.toString(), "--node", "x,y");
        assertEquals(1, install.status(), install.out() + install.err());
        assertTrue(install.err().contains("413") && install.err().contains("JetStream"), install.err());
        // only the asked node: no NATS message needed, so it installs from the upload
        CliRun local = cli("plugin", "install", jar.toString(), "--node", "x");
        assertEquals(0, local.status(), local.out() + local.err());
        assertTrue(Files.exists(x.plugins.resolve("large.jar")));
    }

    @Test
    void malformedRolloutsAreRefusedWithJson() throws Exception {
        record Case(String query, String file, int status, String words) {
        }
        for (Case bad : List.of(
                new Case("?file=a.jar", "a.jar", 400, "name the target nodes"),
                new Case("?file=a.jar&node=y&all=true", "a.jar", 400, "not both"),
                new Case("?file=../a.jar&node=y", null, 400, "not a plain jar file name"),
                new Case("?node=y", null, 400, "name the jar"),
                new Case("?file=a.jar&node=Not.A.Node", null, 400, "is not a node id"))) {
            HttpResponse<String> answer = x.send(HttpRequest.newBuilder(URI.create(x.uri("/admin/rollout") + bad.query()))
                    .header("Authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[]{1, 2, 3})).build());
            assertEquals(bad.status(), answer.statusCode(), bad + ": " + answer.body());
            assertTrue(TestNode.json(answer.body()).at("/error/message").asText().contains(bad.words()), bad + ": " + answer.body());
        }
        HttpResponse<String> empty = x.send(HttpRequest.newBuilder(URI.create(x.uri("/admin/rollout") + "?file=a.jar&node=y"))
                .header("Authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(400, empty.statusCode(), empty.body());
        HttpResponse<String> unknown = x.send(HttpRequest.newBuilder(URI.create(x.uri("/admin/rollout") + "?file=a.jar&node=ghost"))
                .header("Authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[]{1})).build());
        assertEquals(207, unknown.statusCode(), unknown.body());
        assertEquals("not_found", TestNode.json(unknown.body()).at("/ok/nodes/0/error_kind").asText(), unknown.body());
    }
}
