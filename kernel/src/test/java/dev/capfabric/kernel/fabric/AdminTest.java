package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.TestPlugins;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static dev.capfabric.kernel.fabric.FabricNodes.fabric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin subjects over a real nats-server: a routes jobs and has admin off; b and c both serve
 * {@code shared} and answer admin requests (b takes jars of at most 64 KiB).
 */
class AdminTest {

    private static final Duration HEARTBEAT = Duration.ofMillis(500);
    private static final int MAX_JAR = 64 * 1024;

    @TempDir
    static Path dir;

    static NatsTestServer nats;
    static Connection operator;
    static TestNode a;
    static TestNode b;
    static TestNode c;

    @BeforeAll
    static void startFabric() throws Exception {
        nats = NatsTestServer.start(false, 0);
        Path shared = FabricNodes.plugin(dir.resolve("jars"), "shared-echo", "shared", 2);
        Map<String, String> adminOn = Map.of("CAPFABRIC_FABRIC_ADMIN_ENABLED", "true",
                "CAPFABRIC_FABRIC_ADMIN_MAX__JAR__BYTES", String.valueOf(MAX_JAR));
        a = FabricNodes.start(dir.resolve("a"), "a", List.of(), FabricNodes.env(nats, HEARTBEAT, Map.of()));
        b = FabricNodes.start(dir.resolve("b"), "b", List.of(shared), FabricNodes.env(nats, HEARTBEAT, adminOn));
        c = FabricNodes.start(dir.resolve("c"), "c", List.of(shared), FabricNodes.env(nats, HEARTBEAT, adminOn));
        await(() -> fabric(a).status("b") == NodeStatus.OK && fabric(a).status("c") == NodeStatus.OK
                && fabric(a).nodes(false).nodes().stream().filter(n -> n.capabilities().containsKey("shared")).count() == 2,
                Duration.ofSeconds(10), "a to see b and c with shared");
        operator = Nats.connect(nats.url());
    }

    @AfterAll
    static void stopFabric() throws InterruptedException {
        if (operator != null) {
            operator.close();
        }
        for (TestNode node : new TestNode[]{a, b, c}) {
            if (node != null) {
                node.close();
            }
        }
        if (nats != null) {
            nats.close();
        }
    }

    private static JsonNode admin(String node, String verb, byte[] body, Headers headers) {
        try {
            Message reply = operator.request(NatsMessage.builder().subject("capfabric.node." + node + ".admin." + verb)
                    .headers(headers).data(body).build(), Duration.ofSeconds(30));
            assertNotNull(reply, "no answer to admin " + verb + " on " + node);
            return TestNode.json(new String(reply.getData(), StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static JsonNode admin(String node, String verb, String json) {
        return admin(node, verb, json.getBytes(StandardCharsets.UTF_8), new Headers());
    }

    private static JsonNode install(String node, String fileName, byte[] jar) {
        Headers headers = new Headers();
        if (fileName != null) {
            headers.put(AdminServer.FILE_HEADER, fileName);
        }
        return admin(node, "install", jar, headers);
    }

    private static String errorKind(JsonNode reply) {
        assertFalse(reply.has("ok"), reply.toPrettyString());
        return reply.at("/error/kind").asText();
    }

    private static List<String> servedBy(TestNode router, String capability, int jobs, String... headers) {
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            HttpResponse<String> response = router.postJson("/v1/capability/" + capability, "{}", headers);
            assertEquals(200, response.statusCode(), response.body());
            nodes.add(response.headers().firstValue("X-Capfabric-Node").orElseThrow());
        }
        return nodes;
    }

    @Test
    void aDrainedNodeIsRoutedAroundWithoutCountingAgainstItsCircuitAndUndrainBringsItBack() {
        JsonNode drained = admin("b", "drain", "");
        assertEquals("draining", drained.at("/ok/status").asText(), drained.toPrettyString());
        assertEquals("b", drained.at("/ok/node_id").asText());
        assertEquals(0, drained.at("/ok/offloads_running").asInt());
        await(() -> fabric(a).status("b") == NodeStatus.DRAINING, Duration.ofSeconds(5), "a to see b draining");
        try {
            assertEquals(List.of("c", "c", "c", "c", "c", "c"), servedBy(a, "shared", 6));
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> pinned = a.postJson("/v1/capability/shared", "{}", "X-Capfabric-Node", "b");
                assertEquals(503, pinned.statusCode(), pinned.body());
                assertEquals("draining", TestNode.json(pinned.body()).at("/error/kind").asText(), pinned.body());
            }
            HttpResponse<String> ownCaller = b.postJson("/v1/capability/shared", "{}");
            assertEquals(200, ownCaller.statusCode(), "a draining node still serves its own callers: " + ownCaller.body());
            assertEquals("b", ownCaller.headers().firstValue("X-Capfabric-Node").orElseThrow());
            assertEquals("draining", admin("b", "drain", "").at("/ok/status").asText(), "drain again changes nothing");
        } finally {
            JsonNode resumed = admin("b", "undrain", "");
            assertEquals("ok", resumed.at("/ok/status").asText(), resumed.toPrettyString());
        }
        await(() -> fabric(a).status("b") == NodeStatus.OK, Duration.ofSeconds(5), "a to see b ok again");
        // four refusals while draining were no failures: with c drained, b's circuit is closed and it takes the jobs
        admin("c", "drain", "");
        try {
            await(() -> fabric(a).status("c") == NodeStatus.DRAINING, Duration.ofSeconds(5), "a to see c draining");
            assertEquals(List.of("b", "b", "b"), servedBy(a, "shared", 3));
        } finally {
            admin("c", "undrain", "");
        }
        await(() -> fabric(a).status("c") == NodeStatus.OK, Duration.ofSeconds(5), "a to see c ok again");
    }

    @Test
    void pluginsListsEachPluginWithItsProvidersAsCapsDoes() {
        JsonNode reply = admin("b", "plugins", "");
        assertEquals("b", reply.at("/ok/node_id").asText(), reply.toPrettyString());
        JsonNode plugin = null;
        for (JsonNode p : reply.at("/ok/plugins")) {
            if (p.get("name").asText().equals("shared-echo")) {
                plugin = p;
            }
        }
        assertNotNull(plugin, reply.toPrettyString());
        assertEquals("loaded", plugin.get("status").asText());
        assertEquals("shared-echo.jar", plugin.get("file").asText());
        assertEquals("test.shared_echo", plugin.at("/modules/0").asText());
        assertEquals("shared-echo", plugin.at("/providers/0/id").asText());
        assertEquals("shared", plugin.at("/providers/0/capability").asText());
        assertEquals("usable", plugin.at("/providers/0/status").asText());
        JsonNode caps = b.getJson("/caps");
        assertEquals(caps.at("/plugins/0/modules"), plugin.get("modules"));
    }

    @Test
    void aJarInstalledOverNatsServesItsCapabilityAndRemovingItTakesItAway() {
        Path jar = FabricNodes.plugin(dir.resolve("upload"), "delta-x", "delta", 1);
        JsonNode installed = install("b", "delta-x.jar", read(jar));
        assertEquals("installed", installed.at("/ok/action").asText(), installed.toPrettyString());
        assertEquals("loaded", installed.at("/ok/plugin/status").asText());
        assertEquals("usable", installed.at("/ok/plugin/providers/0/status").asText());
        assertTrue(b.getJson("/caps").at("/capabilities").has("delta"), "the answer came after the plugin loaded");
        HttpResponse<String> here = b.postJson("/v1/capability/delta", "{\"text\":\"hi\"}");
        assertEquals(200, here.statusCode(), here.body());
        assertEquals("delta-x", here.headers().firstValue("X-Capfabric-Provider").orElseThrow());
        await(() -> a.postJson("/v1/capability/delta", "{}").statusCode() == 200, Duration.ofSeconds(5),
                "a to route delta to b");

        JsonNode removed = admin("b", "remove", "{\"name\":\"delta-x\"}");
        assertEquals("removed", removed.at("/ok/action").asText(), removed.toPrettyString());
        assertEquals("delta-x", removed.at("/ok/plugin/name").asText());
        assertFalse(b.getJson("/caps").at("/capabilities").has("delta"), "the answer came after the plugin unloaded");
        assertFalse(Files.exists(b.plugins.resolve("delta-x.jar")));
        assertEquals(404, b.postJson("/v1/capability/delta", "{}").statusCode());
        assertEquals("not_found", errorKind(admin("b", "remove", "{\"name\":\"delta-x\"}")));
    }

    @Test
    void aJarThatLoadsNoProviderIsReportedFailedWithTheReason() {
        Path library = TestPlugins.library(dir.resolve("upload/no-provider.jar"), "1.0");
        JsonNode reply = install("c", "no-provider.jar", read(library));
        assertEquals("load_failed", errorKind(reply), reply.toPrettyString());
        assertTrue(reply.at("/error/message").asText().contains("ProviderFactory"), reply.toPrettyString());
        assertEquals("removed", admin("c", "remove", "{\"name\":\"no-provider\"}").at("/ok/action").asText());
    }

    @Test
    void badInstallsAndRemovesGetClearErrorsAndLeaveNothingBehind() throws Exception {
        byte[] jar = read(FabricNodes.plugin(dir.resolve("upload"), "epsilon-x", "epsilon", 1));
        for (String name : List.of("../escape.jar", "sub/dir.jar", ".hidden.jar", "plugin.zip", "a\\b.jar", " .jar")) {
            JsonNode reply = install("b", name, jar);
            assertEquals("bad_input", errorKind(reply), name + ": " + reply.toPrettyString());
        }
        assertEquals("bad_input", errorKind(install("b", null, jar)), "no file name");
        JsonNode notAJar = install("b", "garbage.jar", "this is not a jar".getBytes(StandardCharsets.UTF_8));
        assertEquals("bad_input", errorKind(notAJar));
        assertTrue(notAJar.at("/error/message").asText().contains("not a readable jar"), notAJar.toPrettyString());
        byte[] truncated = java.util.Arrays.copyOf(jar, jar.length / 2);
        assertEquals("bad_input", errorKind(install("b", "truncated.jar", truncated)));
        JsonNode tooLarge = install("b", "big.jar", new byte[MAX_JAR + 1]);
        assertEquals("too_large", errorKind(tooLarge), tooLarge.toPrettyString());
        assertTrue(tooLarge.at("/error/message").asText().contains(String.valueOf(MAX_JAR)), tooLarge.toPrettyString());

        assertEquals("bad_input", errorKind(admin("b", "remove", "not json")));
        assertEquals("bad_input", errorKind(admin("b", "remove", "{\"name\":\"../a\"}")));
        assertEquals("bad_input", errorKind(admin("b", "remove", "")));
        assertEquals("not_found", errorKind(admin("b", "remove", "{\"name\":\"nothing-here\"}")));

        try (Stream<Path> files = Files.list(b.plugins)) {
            assertEquals(List.of("shared-echo.jar"), files.map(f -> f.getFileName().toString()).sorted().toList(),
                    "no refused upload, temporary file or escaped path is left");
        }
        assertFalse(Files.exists(b.home.resolve("escape.jar")));
        assertEquals("loaded", admin("b", "plugins", "").at("/ok/plugins/0/status").asText(), "b answers on");
    }

    @Test
    void aNodeWithAdminOffDoesNotSubscribeToItsAdminSubjects() throws Exception {
        for (String verb : List.of("drain", "plugins", "install", "remove")) {
            CompletableFuture<Message> reply = operator.request("capfabric.node.a.admin." + verb, new byte[0]);
            // jnats cancels a request's future when the server says no responders
            assertThrows(CancellationException.class, () -> reply.get(5, TimeUnit.SECONDS), verb);
        }
        assertNotNull(operator.request("capfabric.node.a.caps", new byte[0]).get(5, TimeUnit.SECONDS), "a itself is there");
        Set<String> admins = new TreeSet<>();
        new io.nats.service.Discovery(operator, 1000, 3).ping("capfabric-admin")
                .forEach(ping -> admins.add(ping.getMetadata().get("node_id")));
        assertEquals(Set.of("b", "c"), admins, "NATS service tooling sees the admin service of b and c only");
        assertEquals(NodeStatus.OK, fabric(a).status("a"));
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void everyChangingAdminRequestIsLoggedWithWhoAskedAndHowItEnded() {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(AdminServer.class.getName());
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                lines.add(record.getLevel() + " " + java.text.MessageFormat.format(record.getMessage(),
                        record.getParameters() == null ? new Object[0] : record.getParameters()));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
        try {
            Headers named = new Headers().put(AdminServer.REQUESTER, "key-ops-7");
            admin("c", "drain", new byte[0], named);
            admin("c", "undrain", new byte[0], new Headers());
            admin("c", "remove", "{\"name\": \"no-such-plugin\"}");
            admin("c", "remove", "not json");
            install("c", "not a plugin.jar", new byte[]{1, 2, 3});
            await(() -> lines.size() >= 5, Duration.ofSeconds(5), "five admin log lines: " + lines);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("INFO admin drain on node c asked by 'key-ops-7' (reply to _INBOX.")
                    && l.endsWith("done, node is draining with 0 offloaded job(s) running")), lines.toString());
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("INFO admin undrain on node c asked by an unnamed requester (reply to ")
                    && l.contains("done, node is ok")), lines.toString());
            assertEquals(2, lines.stream().filter(l -> l.startsWith("INFO admin remove on node c") && l.contains(": refused (")).count(),
                    lines.toString());
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("INFO admin install on node c") && l.contains("(jar not a plugin.jar, 3 bytes)")
                    && l.contains("refused (")), lines.toString());
        } finally {
            logger.removeHandler(handler);
        }
    }
}
