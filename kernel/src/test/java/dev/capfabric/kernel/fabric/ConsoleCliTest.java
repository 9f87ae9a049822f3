package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.TestPlugins;
import dev.capfabric.kernel.cli.CliRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static dev.capfabric.kernel.fabric.FabricNodes.fabric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every {@code bin/capfabric} fabric subcommand against a real fabric: a nats-server with JetStream, three
 * kernel nodes with admin on (a with API keys, through which the CLI talks; b and c serving {@code shared}).
 * The subcommands run in this JVM ({@link CliRun}) and talk to node a over real HTTP. Ordered: the plugin
 * rollouts change the fabric, and the last test takes node c away.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleCliTest {

    private static final Duration HEARTBEAT = Duration.ofMillis(400);

    @TempDir
    static Path dir;

    static NatsTestServer nats;
    static TestNode a;
    static TestNode b;
    static TestNode c;
    static String adminKey;
    static String readKey;
    static Map<String, String> env;

    @BeforeAll
    static void startFabric() throws Exception {
        nats = NatsTestServer.start(true, 0);
        Path keys = dir.resolve("keys");
        adminKey = ApiKeyRoutesTest.newKey(keys, "ops", "admin,read,jobs");
        readKey = ApiKeyRoutesTest.newKey(keys, "viewer", "read");
        Path shared = FabricNodes.plugin(dir.resolve("jars"), "shared-echo", "shared", 2);
        Map<String, String> adminOn = Map.of("CAPFABRIC_FABRIC_ADMIN_ENABLED", "true");
        Map<String, String> withKeys = new HashMap<>(adminOn);
        withKeys.put("CAPFABRIC_HTTP_KEYS__FILE", keys.toString());
        a = FabricNodes.start(dir.resolve("a"), "a", List.of(), FabricNodes.env(nats, HEARTBEAT, withKeys));
        b = FabricNodes.start(dir.resolve("b"), "b", List.of(shared), FabricNodes.env(nats, HEARTBEAT, adminOn));
        c = FabricNodes.start(dir.resolve("c"), "c", List.of(shared), FabricNodes.env(nats, HEARTBEAT, adminOn));
        await(() -> fabric(a).status("b") == NodeStatus.OK && fabric(a).status("c") == NodeStatus.OK
                        && fabric(a).nodes(false).nodes().stream().filter(n -> n.capabilities().containsKey("shared")).count() == 2,
                Duration.ofSeconds(15), "a to see b and c with shared");
        env = Map.of("CAPFABRIC_URL", a.uri("").toString(), "CAPFABRIC_API_KEY", adminKey,
                "CAPFABRIC_SNAPSHOTS", dir.resolve("snapshots").toString());
    }

    @AfterAll
    static void stopFabric() {
        for (TestNode node : new TestNode[]{a, b, c}) {
            if (node != null) {
                node.close();
            }
        }
        if (nats != null) {
            nats.close();
        }
    }

    private static CliRun cli(String... args) {
        return CliRun.with(env, args);
    }

    private static CliRun cliWith(Map<String, String> extra, String... args) {
        Map<String, String> merged = new HashMap<>(env);
        merged.putAll(extra);
        merged.values().removeIf(String::isEmpty);
        return CliRun.with(merged, args);
    }

    private static void ok(CliRun run) {
        assertEquals(0, run.status(), "exit status\nout: " + run.out() + "\nerr: " + run.err());
    }

    private static void fails(CliRun run, String... said) {
        assertEquals(1, run.status(), "exit status\nout: " + run.out() + "\nerr: " + run.err());
        for (String words : said) {
            assertTrue(run.err().contains(words), "stderr should say '" + words + "': " + run.err());
        }
    }

    @Test
    @Order(1)
    void nodesListsTheFleetForPeopleAndScripts() {
        CliRun table = cli("nodes");
        ok(table);
        List<String> lines = table.out().lines().toList();
        assertTrue(lines.getFirst().startsWith("NODE"), table.out());
        for (String node : List.of("a", "b", "c")) {
            assertTrue(lines.stream().anyMatch(line -> line.matches(node + "\\s+ok\\s+.*")), node + " ok in: " + table.out());
        }
        assertTrue(lines.stream().anyMatch(line -> line.startsWith("b ") && line.contains("shared")), table.out());

        CliRun json = cli("nodes", "--json");
        ok(json);
        assertEquals(3, TestNode.json(json.out()).path("nodes").size(), json.out());
    }

    @Test
    @Order(2)
    void everyFailureSaysWhatToDo() throws IOException {
        // nothing listens on this port: the socket is bound, not listening
        try (java.net.ServerSocket closed = new java.net.ServerSocket(0)) {
            int port = closed.getLocalPort();
            closed.close();
            fails(cliWith(Map.of("CAPFABRIC_URL", "http://127.0.0.1:" + port), "nodes"), "cannot reach the node", "--url");
        }
        fails(cliWith(Map.of("CAPFABRIC_API_KEY", ""), "nodes"), "wants an API key", "CAPFABRIC_API_KEY");
        fails(cliWith(Map.of("CAPFABRIC_API_KEY", "cf_wrong"), "nodes"), "401", "not accepted");
        fails(cliWith(Map.of("CAPFABRIC_API_KEY", readKey), "drain", "b"), "403", "admin");
        fails(cli("drain", "ghost"), "unknown node 'ghost'");
        fails(cli("caps", "ghost"), "unknown node 'ghost'", "a, b, c");
        fails(cli("plugin", "remove", "ghost-plugin", "--node", "b"));
        assertEquals(2, cli("plugin", "install", "x.jar").status(), "no --node nor --all is a usage error");
        assertEquals(2, cli("nodes", "--url", "ftp://x").status());
        assertEquals(2, cli("jobs", "walk", "shared", "x").status());
    }

    @Test
    @Order(3)
    void capsShowsTheAskedNodeOrAnyOther() {
        CliRun own = cli("caps");
        ok(own);
        assertTrue(own.out().startsWith("node a"), own.out());
        CliRun other = cli("caps", "c");
        ok(other);
        assertTrue(other.out().contains("shared") && other.out().contains("shared-echo"), other.out());
        CliRun json = cli("caps", "b", "--json");
        ok(json);
        JsonNode node = TestNode.json(json.out());
        assertTrue(node.at("/capabilities/shared").isObject(), json.out());
        assertEquals("shared-echo", node.at("/plugins/0/name").asText(), json.out());
    }

    @Test
    @Order(4)
    void jobsRunsAFileThroughTheFabricsRouting() throws IOException {
        Path input = Files.writeString(dir.resolve("input.json"), "{\"text\": \"hello\"}");
        CliRun routed = cli("jobs", "run", "shared", input.toString());
        ok(routed);
        assertTrue(routed.err().contains("shared job served by node"), routed.err());
        TestNode.json(routed.out());

        CliRun pinned = cli("jobs", "run", "shared", input.toString(), "--node", "c", "--json");
        ok(pinned);
        assertEquals("c", TestNode.json(pinned.out()).path("node").asText(), pinned.out());

        Path out = dir.resolve("answer.bin");
        CliRun toFile = cli("jobs", "run", "shared", input.toString(), "--out", out.toString(), "--param", "x=1");
        ok(toFile);
        assertTrue(Files.size(out) > 0);

        fails(cli("jobs", "run", "nothing-here", input.toString()), "nothing-here job failed", "404", "no node knows capability 'nothing-here'");
        fails(cli("jobs", "run", "shared", dir.resolve("missing.wav").toString()), "no file");
    }

    @Test
    @Order(5)
    void drainAndUndrainChangeWhatEveryNodeSees() {
        CliRun drain = cli("drain", "c");
        ok(drain);
        assertTrue(drain.out().lines().anyMatch(line -> line.matches("c\\s+draining\\s+.*")), drain.out());
        await(() -> fabric(a).status("c") == NodeStatus.DRAINING && fabric(b).status("c") == NodeStatus.DRAINING,
                Duration.ofSeconds(5), "a and b to see c draining");
        assertTrue(cli("nodes").out().lines().anyMatch(line -> line.matches("c\\s+draining\\s+.*")));
        CliRun undrain = cli("undrain", "c", "--json");
        ok(undrain);
        assertEquals("ok", TestNode.json(undrain.out()).path("status").asText(), undrain.out());
        await(() -> fabric(a).status("c") == NodeStatus.OK, Duration.ofSeconds(5), "a to see c ok again");
    }

    @Test
    @Order(6)
    void aFiveMegabytePluginGoesOnEveryNodeThroughTheObjectStoreWithProgress() throws IOException {
        Path jar = padded(TestPlugins.provider("test.big", "big-echo", "bigcap").build(dir.resolve("jars/build/big.jar")),
                dir.resolve("jars/big.jar"), 5 << 20);
        assertTrue(Files.size(jar) > 5 << 20);
        CliRun install = cli("plugin", "install", jar.toString(), "--all");
        ok(install);
        for (String node : List.of("a", "b", "c")) {
            // a holds the upload itself: it receives nothing over NATS
            for (String stage : node.equals("a") ? List.of("received", "verified", "loaded") : List.of("receiving", "received", "verified", "loaded")) {
                assertTrue(install.err().lines().anyMatch(line -> line.matches("\\s+" + node + "\\s+\\[[#-]+\\].*" + stage + ".*")),
                        node + " " + stage + " in: " + install.err());
            }
            assertTrue(install.out().lines().anyMatch(line -> line.matches(node + "\\s+installed\\s+.*")), install.out());
        }
        assertTrue(install.err().contains("[########################] 100%  loaded"), install.err());
        assertTrue(install.out().contains("object_store"), install.out());
        for (TestNode node : List.of(b, c)) {
            node.awaitCaps(caps -> caps.at("/capabilities/bigcap").isObject(), Duration.ofSeconds(5), "bigcap");
        }
        assertTrue(TestNode.json(cli("caps", "--json").out()).at("/capabilities/bigcap").isObject(), "a has bigcap too");
        CliRun list = cli("plugin", "list", "--all");
        ok(list);
        assertEquals(3, list.out().lines().filter(line -> line.contains(" big ") && line.contains("loaded")).count(), list.out());
    }

    @Test
    @Order(7)
    void aReplacementThatFailsToLoadIsRolledBackAndACorruptJarNeverReplaces() throws IOException {
        Path good = TestPlugins.provider("test.roll", "roll-echo", "roll").tag("good")
                .build(dir.resolve("jars/good/roll.jar"));
        ok(cli("plugin", "install", good.toString(), "--node", "b", "--node", "c"));
        String goodSha = sha(b, "roll");

        Path throwing = TestPlugins.provider("test.roll", "roll-echo", "roll").tag("bad").throwInConstructor()
                .build(dir.resolve("jars/bad/roll.jar"));
        CliRun bad = cli("plugin", "install", throwing.toString(), "--node", "b,c");
        fails(bad, "failed on 2 node(s)");
        assertTrue(bad.out().contains("rolled back to the previous jar"), bad.out());
        assertTrue(bad.err().lines().anyMatch(line -> line.matches("\\s+b\\s+.*failed.*load_failed.*")), bad.err());

        Path corrupt = dir.resolve("jars/corrupt/roll.jar");
        Files.createDirectories(corrupt.getParent());
        byte[] bytes = Files.readAllBytes(good);
        Files.write(corrupt, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        CliRun broken = cli("plugin", "install", corrupt.toString(), "--node", "b", "--json");
        assertEquals(1, broken.status(), broken.err());
        JsonNode result = TestNode.json(broken.out());
        assertEquals("bad_input", result.at("/nodes/0/error_kind").asText(), broken.out());

        for (TestNode node : List.of(b, c)) {
            assertEquals("loaded", plugin(node, "roll").path("status").asText());
            assertEquals(goodSha, sha(node, "roll"), "the good jar is back on " + node.kernel);
            var answer = node.postJson("/v1/capability/roll", "{}", "X-Capfabric-Node", node == b ? "b" : "c");
            assertEquals(200, answer.statusCode(), answer.body());
            assertTrue(answer.body().contains("good"), answer.body());
        }
    }

    @Test
    @Order(8)
    void pluginRemoveTakesItOffEveryNode() {
        CliRun remove = cli("plugin", "remove", "big", "--all");
        ok(remove);
        assertEquals(3, remove.out().lines().filter(line -> line.contains("removed")).count(), remove.out());
        fails(cli("plugin", "remove", "big", "--node", "b"), "failed");
        await(() -> !TestNode.json(cli("caps", "--json").out()).at("/capabilities/bigcap").isObject(), Duration.ofSeconds(5),
                "bigcap gone from a");
        b.awaitCaps(caps -> !caps.at("/capabilities/bigcap").isObject(), Duration.ofSeconds(5), "bigcap gone from b");
        // what a's view of the fleet shows (the next test's snapshot) follows the nodes' heartbeats
        await(() -> fabric(a).nodes(false).nodes().stream().noneMatch(n -> n.capabilities().containsKey("bigcap")),
                Duration.ofSeconds(10), "a to see bigcap gone from every node");
    }

    @Test
    @Order(9)
    void snapshotThenPreflightReportsANodeTakenAway() throws IOException {
        Path out = dir.resolve("snap.json");
        CliRun snapshot = cli("snapshot", "--out", out.toString());
        ok(snapshot);
        JsonNode saved = TestNode.json(Files.readString(out));
        assertEquals(3, saved.path("nodes").size(), saved.toPrettyString());
        JsonNode nodeB = null;
        for (JsonNode node : saved.path("nodes")) {
            nodeB = node.path("node_id").asText().equals("b") ? node : nodeB;
        }
        assertTrue(nodeB.path("config_digest").asText().matches("[0-9a-f]{64}"), nodeB.toPrettyString());
        assertTrue(nodeB.path("plugins").toString().contains("\"sha256\""), nodeB.toPrettyString());
        assertTrue(nodeB.path("capabilities").has("shared"), nodeB.toPrettyString());

        CliRun same = cli("preflight");
        ok(same);
        assertTrue(same.out().contains("no regression"), same.out());

        c.close();
        await(() -> fabric(a).status("c") == NodeStatus.GONE, Duration.ofSeconds(10), "a to see c gone");
        CliRun after = cli("preflight");
        assertEquals(1, after.status(), after.out() + after.err());
        assertTrue(after.out().contains("node c is gone"), after.out());
        CliRun json = cli("preflight", "--baseline", out.toString(), "--json");
        assertEquals(1, json.status(), json.err());
        assertEquals("c", TestNode.json(json.out()).at("/nodes_gone/0").asText(), json.out());
        fails(cli("preflight", "--baseline", dir.resolve("none.json").toString()), "no baseline");
    }

    private static JsonNode plugin(TestNode node, String name) {
        for (JsonNode plugin : node.getJson("/caps").path("plugins")) {
            if (plugin.path("name").asText().equals(name)) {
                return plugin;
            }
        }
        throw new AssertionError("no plugin " + name);
    }

    private static String sha(TestNode node, String plugin) {
        for (JsonNode jar : node.getJson("/capabilities/installed").path("plugins")) {
            if (jar.path("plugin").asText().equals(plugin)) {
                return jar.path("sha256").asText();
            }
        }
        throw new AssertionError("no jar of " + plugin + " in " + node.getJson("/capabilities/installed"));
    }

    /** Copies {@code jar} with a stored entry of {@code padding} random bytes added, so it does not compress. */
    static Path padded(Path jar, Path to, int padding) throws IOException {
        Files.createDirectories(to.getParent());
        byte[] noise = new byte[padding];
        new Random(17).nextBytes(noise);
        try (ZipFile in = new ZipFile(jar.toFile()); OutputStream file = Files.newOutputStream(to);
             ZipOutputStream out = new ZipOutputStream(file)) {
            for (Enumeration<? extends ZipEntry> entries = in.entries(); entries.hasMoreElements(); ) {
                ZipEntry entry = entries.nextElement();
                out.putNextEntry(new ZipEntry(entry.getName()));
                try (InputStream data = in.getInputStream(entry)) {
                    data.transferTo(out);
                }
                out.closeEntry();
            }
            ZipEntry stored = new ZipEntry("padding.bin");
            stored.setMethod(ZipEntry.STORED);
            stored.setSize(noise.length);
            CRC32 crc = new CRC32();
            crc.update(noise);
            stored.setCrc(crc.getValue());
            out.putNextEntry(stored);
            out.write(noise);
            out.closeEntry();
        }
        return to;
    }
}
