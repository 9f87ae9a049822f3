package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.TestPlugins;
import dev.capfabric.kernel.cli.CliRun;
import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.NKey;
import io.nats.client.Options;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static dev.capfabric.kernel.fabric.FabricNodes.fabric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fabric secured by {@code capfabric nats-config --tls}: a real nats-server started with the
 * generated configuration, three nodes with their generated identities over TLS, and clients that try
 * every forgery with node a's, an observer's, no or unknown credentials.
 */
class FabricIdentitiesTest {

    private static final Duration HEARTBEAT = Duration.ofMillis(300);

    @TempDir
    static Path dir;

    static Path out;
    static NatsTestServer nats;
    static TestNode a;
    static TestNode b;
    static TestNode c;

    @BeforeAll
    static void start() throws Exception {
        out = dir.resolve("nats");
        int port = NatsTestServer.freePort();
        CliRun generated = CliRun.of("nats-config", "--nodes", "a,b,c", "--port", String.valueOf(port), "--out", out.toString(),
                "--tls", "--hosts", "127.0.0.1,localhost", "--listen", "127.0.0.1", "--observers", "watcher");
        assertEquals(0, generated.status(), generated.err());
        nats = NatsTestServer.withConfig(out.resolve("nats-server.conf"), port);
        Path echo = FabricNodes.plugin(dir.resolve("jars"), "id-echo", "idecho", 2);
        Map<String, String> adminOn = Map.of("CAPFABRIC_FABRIC_ADMIN_ENABLED", "true");
        a = FabricNodes.start(dir.resolve("a"), "a", List.of(), nodeEnv("a", Map.of()));
        b = FabricNodes.start(dir.resolve("b"), "b", List.of(echo), nodeEnv("b", adminOn));
        c = FabricNodes.start(dir.resolve("c"), "c", List.of(echo), nodeEnv("c", adminOn));
        await(() -> fabric(a).nodes(false).nodes().stream().filter(n -> n.capabilities().containsKey("idecho")).count() == 2,
                Duration.ofSeconds(15), "a to know b and c");
    }

    /** The node's generated env file, as a systemd EnvironmentFile would give it, plus fast heartbeats. */
    static Map<String, String> nodeEnv(String node, Map<String, String> extra) throws IOException {
        Map<String, String> env = new HashMap<>();
        for (String line : Files.readAllLines(out.resolve("nodes").resolve(node + ".env"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                env.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        assertEquals(node, env.get("CAPFABRIC_NODE_ID"));
        assertTrue(env.get("CAPFABRIC_NATS_URL").startsWith("tls://"), env.toString());
        env.put("CAPFABRIC_FABRIC_HEARTBEAT__INTERVAL__MS", String.valueOf(HEARTBEAT.toMillis()));
        env.putAll(extra);
        return env;
    }

    @AfterAll
    static void stop() {
        for (TestNode node : new TestNode[]{a, b, c}) {
            if (node != null) {
                node.close();
            }
        }
        if (nats != null) {
            nats.close();
        }
    }

    /** A plain NATS client that keeps the errors the server sends it. */
    record Client(Connection connection, List<String> errors) implements AutoCloseable {
        void awaitError(String contains) {
            await(() -> errors.stream().anyMatch(e -> e.contains(contains)), Duration.ofSeconds(5),
                    "the server to refuse: " + contains + " (errors: " + errors + ")");
        }

        @Override
        public void close() throws InterruptedException {
            connection.close();
        }
    }

    static Client client(Path creds, String inboxPrefix) throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        Options.Builder options = new Options.Builder()
                .server(url())
                .sslContext(Credentials.trusting(out.resolve("tls/ca.pem")))
                .maxReconnects(0)
                .connectionTimeout(Duration.ofSeconds(1))
                .errorListener(new ErrorListener() {
                    @Override
                    public void errorOccurred(Connection conn, String error) {
                        errors.add(error);
                    }
                });
        if (creds != null) {
            options.authHandler(Nats.credentials(null, creds.toString()));
        }
        if (inboxPrefix != null) {
            options.inboxPrefix(inboxPrefix);
        }
        try {
            return new Client(Nats.connect(options.build()), errors);
        } catch (IOException e) {
            throw new IOException(e.getMessage() + "; server errors " + errors, e);
        }
    }

    static String url() {
        try {
            return nodeEnv("a", Map.of()).get("CAPFABRIC_NATS_URL");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void threeNodesWithGeneratedIdentitiesRouteJobsOverTls() {
        Set<String> served = new java.util.TreeSet<>();
        for (int i = 0; i < 12; i++) {
            HttpResponse<String> response = a.postJson("/v1/capability/idecho", "{\"i\":" + i + "}");
            assertEquals(200, response.statusCode(), response.body());
            served.add(response.headers().firstValue("X-Capfabric-Node").orElseThrow());
        }
        assertTrue(Set.of("b", "c").containsAll(served) && !served.isEmpty(), served.toString());
        for (TestNode node : List.of(a, b, c)) {
            assertTrue(fabric(node).linkUp());
        }
    }

    @Test
    void nodeAsCredentialsCannotActAsB() throws Exception {
        try (Client asA = client(out.resolve("nodes/a.creds"), "_INBOX.a")) {
            // its own identity works: it may ask b for its capabilities and read the answer in its own inbox
            Message caps = asA.connection().request("capfabric.node.b.caps", new byte[0], Duration.ofSeconds(5));
            assertNotNull(caps);
            assertEquals("b", TestNode.json(new String(caps.getData(), StandardCharsets.UTF_8)).get("node_id").asText());

            asA.connection().publish("capfabric.node.b.heartbeat", "{\"node_id\":\"b\"}".getBytes(StandardCharsets.UTF_8));
            asA.awaitError("Permissions Violation for Publish to \"capfabric.node.b.heartbeat\"");
            asA.connection().publish(NatsMessage.builder().subject("capfabric.node.c.heartbeat")
                    .headers(new Headers().put("Capfabric-Instance", "forged")).data("{\"node_id\":\"c\"}").build());
            asA.awaitError("Permissions Violation for Publish to \"capfabric.node.c.heartbeat\"");
            asA.connection().publish("capfabric.node.b.bye", new byte[0]);
            asA.awaitError("Permissions Violation for Publish to \"capfabric.node.b.bye\"");
            for (String verb : List.of("drain", "install", "remove")) {
                asA.connection().publish("capfabric.node.b.admin." + verb, new byte[0]);
                asA.awaitError("Permissions Violation for Publish to \"capfabric.node.b.admin." + verb + "\"");
            }
            asA.connection().publish("capfabric.node.a.admin.drain", new byte[0]);
            asA.awaitError("Permissions Violation for Publish to \"capfabric.node.a.admin.drain\"");
            // answering b's jobs first needs b's job subjects; reading others' replies needs their inboxes
            for (String subject : List.of("capfabric.node.b.cap.idecho", "capfabric.node.b.>", "capfabric.node.*.cap.>", "_INBOX.>",
                    "_INBOX.b.>", "_INBOX.*.>", ">")) {
                asA.connection().subscribe(subject);
                asA.awaitError("Permissions Violation for Subscription to \"" + subject + "\"");
            }
            // nor may it write into another node's inbox
            asA.connection().publish("_INBOX.b.x.y", new byte[0]);
            asA.awaitError("Permissions Violation for Publish to \"_INBOX.b.x.y\"");
        }
        TestNode.sleep(4 * HEARTBEAT.toMillis());
        assertEquals(NodeStatus.OK, fabric(a).status("b"), "b is neither gone nor draining");
        assertEquals(NodeStatus.OK, fabric(a).status("c"));
        assertTrue(fabric(c).sameIdElsewhere().isEmpty(), "no forged instance reached c");
        HttpResponse<String> job = a.postJson("/v1/capability/idecho", "{}", "X-Capfabric-Node", "b");
        assertEquals(200, job.statusCode(), job.body());
        assertEquals("id-echo", TestNode.json(job.body()).get("provider").asText(), "answered by b's provider, not a forger");
    }

    @Test
    void repliesToANodeStayInItsInbox() throws Exception {
        // a client holding node a's identity but the default inbox cannot even receive its own answers
        try (Client defaultInbox = client(out.resolve("nodes/a.creds"), null)) {
            assertThrows(Exception.class, () -> {
                Message reply = defaultInbox.connection().request("capfabric.node.b.caps", new byte[0], Duration.ofSeconds(1));
                if (reply == null) {
                    throw new IllegalStateException("no reply");
                }
            });
            defaultInbox.awaitError("Permissions Violation for Subscription to \"_INBOX.");
        }
    }

    @Test
    void withoutKnownCredentialsNoClientConnects() throws Exception {
        IOException anonymous = assertThrows(IOException.class, () -> client(null, null).close());
        assertTrue(anonymous.getMessage().contains("Authorization Violation"), anonymous.getMessage());
        Path stranger = dir.resolve("stranger.creds");
        NKey key = NKey.createUser(new SecureRandom());
        Files.writeString(stranger, "-----BEGIN USER NKEY SEED-----\n" + new String(key.getSeed()) + "\n------END USER NKEY SEED------\n");
        IOException unknown = assertThrows(IOException.class, () -> client(stranger, null).close());
        assertTrue(unknown.getMessage().contains("Authorization Violation"), unknown.getMessage());
    }

    @Test
    void theOperatorDrainsAndInstalls() throws Exception {
        try (Client operator = client(out.resolve("operator.creds"), null)) {
            Message drained = operator.connection().request("capfabric.node.b.admin.drain", new byte[0], Duration.ofSeconds(5));
            assertNotNull(drained);
            assertEquals("draining", TestNode.json(new String(drained.getData(), StandardCharsets.UTF_8)).at("/ok/status").asText());
            await(() -> fabric(a).status("b") == NodeStatus.DRAINING, Duration.ofSeconds(5), "a to see b draining");
            Message resumed = operator.connection().request("capfabric.node.b.admin.undrain", new byte[0], Duration.ofSeconds(5));
            assertNotNull(resumed);
            await(() -> fabric(a).status("b") == NodeStatus.OK, Duration.ofSeconds(5), "a to see b back");

            Path jar = TestPlugins.provider("test.op_installed", "op-installed", "opinstalled").build(dir.resolve("jars/op-installed.jar"));
            Message installed = operator.connection().request(NatsMessage.builder().subject("capfabric.node.c.admin.install")
                    .headers(new Headers().put("Capfabric-Plugin-File", "op-installed.jar")).data(Files.readAllBytes(jar)).build(),
                    Duration.ofSeconds(20));
            assertNotNull(installed);
            JsonNode answer = TestNode.json(new String(installed.getData(), StandardCharsets.UTF_8));
            assertTrue(answer.has("ok"), answer.toString());
            await(() -> fabric(a).nodes(false).nodes().stream().anyMatch(n -> n.nodeId().equals("c")
                    && n.capabilities().containsKey("opinstalled")), Duration.ofSeconds(10), "a to see c's new capability");
        }
    }

    @Test
    void anObserverCannotForgeAGhost() throws Exception {
        try (Client observer = client(out.resolve("observers/watcher.creds"), null)) {
            AtomicInteger heard = new AtomicInteger();
            observer.connection().createDispatcher(message -> heard.incrementAndGet()).subscribe("capfabric.node.*.heartbeat");
            await(() -> heard.get() > 0, Duration.ofSeconds(5), "the observer to hear heartbeats");
            for (int i = 0; i < 5; i++) {
                observer.connection().publish("capfabric.node.ghost.heartbeat",
                        ("{\"node_id\":\"ghost\",\"instance\":\"g\",\"caps_digest\":\"x\"}").getBytes(StandardCharsets.UTF_8));
            }
            observer.awaitError("Permissions Violation for Publish to \"capfabric.node.ghost.heartbeat\"");
            observer.connection().publish("capfabric.discover", new byte[0]);
            observer.awaitError("Permissions Violation for Publish to \"capfabric.discover\"");
        }
        TestNode.sleep(3 * HEARTBEAT.toMillis());
        for (TestNode node : List.of(a, b, c)) {
            JsonNode nodes = node.getJson("/v1/nodes?fresh=true").get("nodes");
            for (JsonNode listed : nodes) {
                assertFalse(listed.get("node_id").asText().equals("ghost"), nodes.toString());
            }
        }
        assertNull(fabric(a).nodes(false).nodes().stream().filter(n -> n.nodeId().equals("ghost")).findAny().orElse(null));
    }
}
