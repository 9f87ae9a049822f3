package dev.capfabric.kernel;

import dev.capfabric.kernel.config.InvalidSettingsException;
import dev.capfabric.kernel.config.NodeId;
import dev.capfabric.kernel.config.NodeSettings;
import dev.capfabric.kernel.config.SettingsLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {

    @TempDir
    Path home;

    @Test
    void yamlValuesAreOverriddenByTheEnvironment() throws Exception {
        Path yaml = home.resolve("node.yaml");
        Files.writeString(yaml, """
                capfabric:
                  node:
                    id: from-yaml
                  port: 9000
                  plugins:
                    dir: /opt/yaml-plugins
                  nats:
                    url: nats://yaml:4222
                  providers:
                    openai-speech:
                      base-url: http://yaml:8880
                      model: kokoro
                  dispatch:
                    queue-capacity: 7
                """);
        NodeSettings settings = SettingsLoader.load(Map.of(
                "CAPFABRIC_CONFIG", yaml.toString(),
                "CAPFABRIC_PORT", "9100",
                "CAPFABRIC_NATS_URL", "nats://env:4222,nats://env2:4222",
                "CAPFABRIC_PROVIDERS_OPENAI_SPEECH_BASE_URL", "http://env:8880",
                "CAPFABRIC_DISPATCH_QUEUE__CAPACITY", "9"), home);

        assertEquals("from-yaml", settings.nodeId());
        assertEquals(9100, settings.port());
        assertEquals(Path.of("/opt/yaml-plugins"), settings.pluginsDir());
        assertEquals("nats://env:4222,nats://env2:4222", settings.natsUrl().orElseThrow());
        assertEquals("http://env:8880", settings.provider("openai-speech").values().get("base-url"));
        assertEquals("kokoro", settings.provider("openai-speech").values().get("model"));
        assertEquals(9, settings.section("dispatch").get("queue-capacity").asInt().orElseThrow());
    }

    @Test
    void defaultsApplyWithoutAnyConfiguration() {
        NodeSettings settings = SettingsLoader.load(Map.of(), home);
        assertEquals(8080, settings.port());
        assertEquals(home.resolve("plugins"), settings.pluginsDir());
        assertTrue(settings.natsUrl().isEmpty(), "no NATS URL: the node runs alone");
        assertTrue(NodeId.isValid(settings.nodeId()), settings.nodeId());
    }

    @Test
    void nodeIdsThatAreNotOneSubjectTokenAreRefused() {
        for (String bad : List.of("a.b", "a*", "node>", "Upper", "has space", "-lead", "x".repeat(64))) {
            InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
                    () -> SettingsLoader.load(Map.of("CAPFABRIC_NODE_ID", bad), home), bad);
            assertTrue(e.getMessage().contains("invalid node id"), e.getMessage());
        }
    }

    @Test
    void hostNamesBecomeValidNodeIds() {
        assertEquals("gpu-box-1", NodeId.fromHostName("GPU_Box 1.example.com").replace('_', '-'));
        assertTrue(NodeId.isValid(NodeId.fromHostName("Mac-Mini.local")));
        assertTrue(NodeId.isValid(NodeId.fromHostName("...")));
    }

    @Test
    void theInstallationsOwnConfigFileIsReadWithoutBeingNamed() throws Exception {
        Files.createDirectories(home.resolve("conf"));
        // a comment in Latin-1 (not UTF-8) does not stop the file from loading, as with Helidon's file source
        byte[] latin1 = "# caf\u00e9 node\ncapfabric:\n  node:\n    id: from-conf\n  port: 9001\n".getBytes(StandardCharsets.ISO_8859_1);
        Files.write(home.resolve("conf/capfabric.yaml"), latin1);
        NodeSettings settings = SettingsLoader.load(Map.of(), home);
        assertEquals("from-conf", settings.nodeId());
        assertEquals(9001, settings.port());
    }

    @Test
    void malformedYamlIsRefusedNamingTheFile() throws Exception {
        for (String broken : List.of("capfabric:\n  port: [9000\n", "capfabric:\n\tport: 9000\n", "capfabric:\n  port: 1\n port: 2\n",
                "capfabric: {port: 9000\n")) {
            Path yaml = home.resolve("broken.yaml");
            Files.writeString(yaml, broken);
            InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
                    () -> SettingsLoader.load(Map.of("CAPFABRIC_CONFIG", yaml.toString()), home), broken);
            assertTrue(e.getMessage().contains(yaml.toString()), e.getMessage());
        }
    }

    @Test
    void missingConfigFileNamedByTheEnvironmentIsRefused() {
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
                () -> SettingsLoader.load(Map.of("CAPFABRIC_CONFIG", home.resolve("nope.yaml").toString()), home));
        assertTrue(e.getMessage().contains("nope.yaml"));
    }

    @Test
    void startUpWithABadNodeIdExitsNonZeroWithAClearMessage() throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--sun-misc-unsafe-memory-access=allow",
                "--module-path", System.getProperty("jdk.module.path"),
                "-m", "capfabric.kernel/dev.capfabric.kernel.Main"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("CAPFABRIC_NODE_ID", "bad.node");
        builder.environment().put("CAPFABRIC_HOME", home.toString());
        Process process = builder.start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "exits");
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, process.exitValue(), output);
        assertTrue(output.contains("invalid node id 'bad.node'"), output);
        assertFalse(output.contains("Exception in thread"), output);
    }
}
