package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.LogLines;
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
 * A fabric secured by {@code capfabric nats-config --tls --admin-nodes c}: a real nats-server started
 * with the generated configuration (JetStream included), three nodes with their generated identities
 * over TLS and API keys on HTTP, and clients that try every forgery with node a's, node c's admin, an
 * observer's, no or unknown credentials.
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
    static String appKey;
    static String opsKey;

    @BeforeAll
    static void start() throws Exception {
        out = dir.resolve("nats");
        int port = NatsTestServer.freePort();
        CliRun generated = CliRun.of("nats-config", "--nodes", "a,b,c", "--port", String.valueOf(port), "--out", out.toString(),
                "--tls", "--hosts", "127.0.0.1,localhost", "--listen", "127.0.0.1", "--observers", "watcher", "--admin-nodes", "c");
        assertEquals(0, generated.status(), generated.err());
        nats = NatsTestServer.withConfig(out.resolve("nats-server.conf"), port);
        Path echo = FabricNodes.plugin(dir.resolve("jars"), "id-echo", "idecho", 2);
        Path keys = dir.resolve("keys");
        appKey = ApiKeyRoutesTest.newKey(keys, "app", "jobs,read");
        opsKey = ApiKeyRoutesTest.newKey(keys, "ops", "admin,read");
        Map<String, String> keyed = Map.of("CAPFABRIC_HTTP_KEYS__FILE", keys.toString());
        Map<String, String> adminOn = Map.of("CAPFABRIC_FABRIC_ADMIN_ENABLED", "true", "CAPFABRIC_HTTP_KEYS__FILE", keys.toString());
        a = FabricNodes.start(dir.resolve("a"), "a", List.of(), nodeEnv("a", keyed));
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
                // a TLS handshake on a loaded machine may take seconds; refusals come back at once anyway
                .connectionTimeout(Duration.ofSeconds(10))
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
            HttpResponse<String> response = a.postJson("/v1/capability/idecho", "{\"i\":" + i + "}", "X-Api-Key", appKey);
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
        HttpResponse<String> job = a.postJson("/v1/capability/idecho", "{}", "X-Capfabric-Node", "b", "X-Api-Key", appKey);
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
            HttpResponse<String> answer = node.send(java.net.http.HttpRequest.newBuilder(node.uri("/v1/nodes?fresh=true"))
                    .header("X-Api-Key", appKey).GET().build());
            assertEquals(200, answer.statusCode(), answer.body());
            JsonNode nodes = TestNode.json(answer.body()).get("nodes");
            for (JsonNode listed : nodes) {
                assertFalse(listed.get("node_id").asText().equals("ghost"), nodes.toString());
            }
        }
        assertNull(fabric(a).nodes(false).nodes().stream().filter(n -> n.nodeId().equals("ghost")).findAny().orElse(null));
    }

    static HttpResponse<String> admin(TestNode node, String method, String path, byte[] body, String... headers) {
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(node.uri(path)).timeout(Duration.ofSeconds(30))
                .header("X-Api-Key", opsKey).method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return node.send(request.build());
    }

    @Test
    void anAdminKeyOnANodeWithAnAdminIdentityActsOnOtherNodes() throws Exception {
        HttpResponse<String> drained;
        try (LogLines audit = LogLines.of(AdminServer.class, java.util.logging.Level.INFO)) {
            drained = admin(c, "POST", "/admin/nodes/b/drain", null);
            // b's audit line names the key (never the key itself), the node that carried it and its admin inbox
            await(() -> audit.lines().stream().anyMatch(line -> line.contains("admin drain on node b asked by 'key ops via node c' (reply to _INBOX_ADMIN.c.")),
                    Duration.ofSeconds(5), "b's audit line (" + audit.lines() + ")");
        }
        assertEquals(200, drained.statusCode(), drained.body());
        assertEquals("draining", TestNode.json(drained.body()).at("/ok/status").asText(), drained.body());
        await(() -> fabric(a).status("b") == NodeStatus.DRAINING, Duration.ofSeconds(5), "a to see b draining");
        HttpResponse<String> resumed = admin(c, "POST", "/admin/nodes/b/undrain", null);
        assertEquals(200, resumed.statusCode(), resumed.body());
        await(() -> fabric(a).status("b") == NodeStatus.OK, Duration.ofSeconds(5), "a to see b back");
        HttpResponse<String> plugins = admin(c, "GET", "/admin/nodes/b/plugins", null);
        assertEquals(200, plugins.statusCode(), plugins.body());
        assertTrue(plugins.body().contains("id-echo"), plugins.body());

        Path jar = TestPlugins.provider("test.http_installed", "http-installed", "httpinstalled").build(dir.resolve("jars/http-installed.jar"));
        HttpResponse<String> installed = admin(c, "POST", "/admin/nodes/b/install", Files.readAllBytes(jar),
                "Capfabric-Plugin-File", "http-installed.jar");
        assertEquals(200, installed.statusCode(), installed.body());
        await(() -> fabric(a).nodes(false).nodes().stream().anyMatch(n -> n.nodeId().equals("b")
                && n.capabilities().containsKey("httpinstalled")), Duration.ofSeconds(10), "a to see b's new capability");
        String plugin = TestNode.json(installed.body()).at("/ok/plugin/name").asText();
        HttpResponse<String> removed = admin(c, "POST", "/admin/nodes/b/remove",
                ("{\"name\":\"" + plugin + "\"}").getBytes(StandardCharsets.UTF_8));
        assertEquals(200, removed.statusCode(), removed.body());
        // a key without the admin scope gets no further than c's key check
        HttpResponse<String> notAdmin = c.send(java.net.http.HttpRequest.newBuilder(c.uri("/admin/nodes/b/drain"))
                .header("X-Api-Key", appKey).POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(403, notAdmin.statusCode(), notAdmin.body());
        assertEquals(NodeStatus.OK, fabric(a).status("b"));
    }

    @Test
    void withoutAnAdminIdentityANodeActsOnItselfOnlyAndSaysWhyAtOnce() {
        for (String verb : List.of("drain", "undrain", "install", "remove")) {
            long start = System.nanoTime();
            HttpResponse<String> refused = admin(b, "POST", "/admin/nodes/c/" + verb, new byte[0]);
            assertEquals(403, refused.statusCode(), verb + ": " + refused.body());
            JsonNode error = TestNode.json(refused.body()).get("error");
            assertEquals("forbidden", error.get("kind").asText(), refused.body());
            assertTrue(error.get("message").asText().contains("capfabric.nats.admin-credentials"), refused.body());
            assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 10_000, "refused at once, not after the admin timeout");
        }
        HttpResponse<String> listing = admin(b, "GET", "/admin/nodes/c/plugins", null);
        assertEquals(403, listing.statusCode(), listing.body());
        assertEquals(NodeStatus.OK, fabric(a).status("c"), "c was not drained");
        // its own verbs need no NATS at all
        HttpResponse<String> own = admin(b, "GET", "/admin/plugins", null);
        assertEquals(200, own.statusCode(), own.body());
    }

    @Test
    void theAdminIdentityCarriesAdminVerbsAndNothingElse() throws Exception {
        try (Client asAdmin = client(out.resolve("nodes/c.admin.creds"), "_INBOX_ADMIN.c")) {
            Message plugins = asAdmin.connection().request("capfabric.node.b.admin.plugins", new byte[0], Duration.ofSeconds(5));
            assertNotNull(plugins);
            assertTrue(new String(plugins.getData(), StandardCharsets.UTF_8).contains("\"ok\""));
            for (String subject : List.of("capfabric.node.b.heartbeat", "capfabric.node.c.heartbeat", "capfabric.node.b.bye",
                    "capfabric.node.b.cap.idecho", "capfabric.node.b.cancel.c", "capfabric.node.b.cancel", "capfabric.discover",
                    "_INBOX.a.x.y")) {
                asAdmin.connection().publish(subject, new byte[0]);
                asAdmin.awaitError("Permissions Violation for Publish to \"" + subject + "\"");
            }
            for (String subject : List.of("capfabric.node.*.heartbeat", "capfabric.node.b.>", "_INBOX.c.>", "_INBOX.>", "_INBOX_ADMIN.a.>")) {
                asAdmin.connection().subscribe(subject);
                asAdmin.awaitError("Permissions Violation for Subscription to \"" + subject + "\"");
            }
        }
        // and the node identity of the same node still may not send admin verbs
        try (Client asC = client(out.resolve("nodes/c.creds"), "_INBOX.c")) {
            asC.connection().publish("capfabric.node.b.admin.drain", new byte[0]);
            asC.awaitError("Permissions Violation for Publish to \"capfabric.node.b.admin.drain\"");
            asC.connection().subscribe("_INBOX_ADMIN.c.>");
            asC.awaitError("Permissions Violation for Subscription to \"_INBOX_ADMIN.c.>\"");
        }
        assertEquals(NodeStatus.OK, fabric(a).status("b"));
    }

    @Test
    void aNodeCannotCancelAnotherNodesJobButItsSenderCan() throws Exception {
        String jobId = "a-slow-" + System.nanoTime();
        java.util.concurrent.CompletableFuture<HttpResponse<String>> slow = java.net.http.HttpClient.newHttpClient().sendAsync(
                java.net.http.HttpRequest.newBuilder(a.uri("/v1/capability/idecho?sleep_ms=60000")).timeout(Duration.ofSeconds(90))
                        .header("Content-Type", "application/json").header("X-Api-Key", appKey).header("X-Capfabric-Node", "b")
                        .header("X-Capfabric-Job-Id", jobId).POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        await(() -> seen(b, jobId), Duration.ofSeconds(10), "the job to run on b");
        try (Client asC = client(out.resolve("nodes/c.creds"), "_INBOX.c")) {
            // in a's name, or without a name: the server refuses both
            for (String subject : List.of("capfabric.node.b.cancel.a", "capfabric.node.b.cancel")) {
                asC.connection().publish(subject, jobId.getBytes(StandardCharsets.US_ASCII));
                asC.awaitError("Permissions Violation for Publish to \"" + subject + "\"");
            }
            // in its own name it may publish, but the job is not c's
            asC.connection().publish("capfabric.node.b.cancel.c", jobId.getBytes(StandardCharsets.US_ASCII));
            asC.connection().flush(Duration.ofSeconds(2));
        }
        TestNode.sleep(1000);
        assertFalse(slow.isDone(), "the job on b still runs after the forged cancels");
        try (Client asA = client(out.resolve("nodes/a.creds"), "_INBOX.a")) {
            asA.connection().publish("capfabric.node.b.cancel.a", jobId.getBytes(StandardCharsets.US_ASCII));
            asA.connection().flush(Duration.ofSeconds(2));
        }
        // the provider stops sleeping once its job is cancelled: the answer comes long before the minute it asked for
        slow.get(20, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** Whether a provider on {@code node} saw job {@code jobId} (the test plugin logs every job id it sees). */
    private static boolean seen(TestNode node, String jobId) {
        try (java.util.stream.Stream<Path> files = Files.walk(node.home.resolve("work"))) {
            return files.filter(f -> f.getFileName().toString().equals("seen.log")).anyMatch(f -> {
                try {
                    return Files.readString(f).contains(jobId);
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void theEventsOfAnOffloadedJobReachItsSenderAndNoOtherNodeCanHearOrForgeThem() throws Exception {
        java.net.http.HttpResponse<java.io.InputStream> response = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(a.uri("/v1/capability/idecho?pieces=3")).timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json").header("Accept", "text/event-stream").header("X-Api-Key", appKey)
                        .header("X-Capfabric-Node", "b").POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        List<dev.capfabric.kernel.SseEvents.Received> events;
        try (java.io.InputStream in = response.body()) {
            events = dev.capfabric.kernel.SseEvents.read(in, 100);
        }
        assertEquals(List.of("progress", "partial", "progress", "partial", "progress", "partial", "result"),
                events.stream().map(dev.capfabric.kernel.SseEvents.Received::name).toList());
        assertEquals("b", events.getLast().data().get("node").asText());
        try (Client asC = client(out.resolve("nodes/c.creds"), "_INBOX.c")) {
            asC.connection().subscribe("capfabric.node.b.events.a.*");
            asC.awaitError("Permissions Violation for Subscription to \"capfabric.node.b.events.a.*\"");
            asC.connection().publish("capfabric.node.b.events.a.x", new byte[0]);
            asC.awaitError("Permissions Violation for Publish to \"capfabric.node.b.events.a.x\"");
        }
    }

    @Test
    void largePayloadsTravelThroughJetStreamUnderTheGeneratedPermissions() throws Exception {
        byte[] large = new byte[1536 * 1024];
        new java.util.Random(16).nextBytes(large);
        HttpResponse<String> job = a.post("/v1/capability/idecho", "application/octet-stream", large, "X-Capfabric-Node", "b",
                "X-Api-Key", appKey);
        assertEquals(200, job.statusCode(), job.body());
        assertEquals("b", job.headers().firstValue("X-Capfabric-Node").orElseThrow());
        try (Client asA = client(out.resolve("nodes/a.creds"), "_INBOX.a")) {
            // the fabric's bucket only, and never deleting it
            for (String subject : List.of("$JS.API.STREAM.DELETE.OBJ_capfabric-payloads", "$JS.API.STREAM.CREATE.other",
                    "$JS.API.STREAM.PURGE.other", "$O.other.C.x", "$KV.jobs.x")) {
                asA.connection().publish(subject, new byte[0]);
                asA.awaitError("Permissions Violation for Publish to \"" + subject + "\"");
            }
        }
    }

    @Test
    void aNodeIdentityMayUseTheDurableJobsStreamAndBucketsButNotDeleteThem() throws Exception {
        try (Client asA = client(out.resolve("nodes/a.creds"), "_INBOX.a")) {
            Connection nc = asA.connection();
            io.nats.client.JetStreamManagement streams = nc.jetStreamManagement();
            // the nodes of this fabric may have made the stream and buckets already (durable jobs start with them):
            // made here only if missing, and used on a capability no node serves, so no node's consumer takes the job
            if (!exists(() -> streams.getStreamInfo("CAPFABRIC_JOBS"))) {
                streams.addStream(io.nats.client.api.StreamConfiguration.builder().name("CAPFABRIC_JOBS").subjects("capfabric.jobs.run.>")
                        .retentionPolicy(io.nats.client.api.RetentionPolicy.WorkQueue).storageType(io.nats.client.api.StorageType.Memory).build());
            }
            nc.jetStream().publish("capfabric.jobs.run.permcheck", "job-1".getBytes(StandardCharsets.UTF_8));
            io.nats.client.JetStreamSubscription workers = nc.jetStream().subscribe("capfabric.jobs.run.permcheck",
                    io.nats.client.PullSubscribeOptions.builder().stream("CAPFABRIC_JOBS").durable("permcheck").build());
            List<Message> taken = workers.fetch(1, Duration.ofSeconds(5));
            assertEquals(1, taken.size());
            assertEquals("job-1", new String(taken.getFirst().getData(), StandardCharsets.UTF_8));
            taken.getFirst().ackSync(Duration.ofSeconds(5));

            if (!exists(() -> nc.keyValueManagement().getBucketInfo("capfabric-jobs"))) {
                nc.keyValueManagement().create(io.nats.client.api.KeyValueConfiguration.builder().name("capfabric-jobs")
                        .storageType(io.nats.client.api.StorageType.Memory).build());
            }
            io.nats.client.KeyValue states = nc.keyValue("capfabric-jobs");
            states.put("permcheck", "queued");
            assertEquals("queued", new String(states.get("permcheck").getValue(), StandardCharsets.UTF_8));
            states.delete("permcheck");

            if (!exists(() -> nc.objectStoreManagement().getStatus("capfabric-job-data"))) {
                nc.objectStoreManagement().create(io.nats.client.api.ObjectStoreConfiguration.builder("capfabric-job-data")
                        .storageType(io.nats.client.api.StorageType.Memory).build());
            }
            byte[] input = new byte[300_000];
            new java.util.Random(19).nextBytes(input);
            io.nats.client.ObjectStore data = nc.objectStore("capfabric-job-data");
            data.put("in.permcheck", new java.io.ByteArrayInputStream(input));
            java.io.ByteArrayOutputStream back = new java.io.ByteArrayOutputStream();
            data.get("in.permcheck", back);
            assertTrue(java.util.Arrays.equals(input, back.toByteArray()));
            data.delete("in.permcheck");

            // progress and cancels of durable jobs are the fleet's, heard by every node
            nc.subscribe("capfabric.jobs.events.*");
            nc.publish("capfabric.jobs.cancel.1", new byte[0]);
            nc.flush(Duration.ofSeconds(2));
            assertEquals(List.of(), asA.errors());

            for (String subject : List.of("$JS.API.STREAM.DELETE.CAPFABRIC_JOBS", "$JS.API.STREAM.DELETE.KV_capfabric-jobs",
                    "$JS.API.STREAM.DELETE.OBJ_capfabric-job-data", "$JS.API.STREAM.CREATE.KV_other", "capfabric.jobs.other")) {
                nc.publish(subject, new byte[0]);
                asA.awaitError("Permissions Violation for Publish to \"" + subject + "\"");
            }
        }
    }

    /** A JetStream look-up that throws when the asset is missing. */
    private interface Lookup {
        Object run() throws Exception;
    }

    private static boolean exists(Lookup lookup) throws Exception {
        try {
            lookup.run();
            return true;
        } catch (io.nats.client.JetStreamApiException e) {
            if (e.getApiErrorCode() == 10059 || e.getErrorCode() == 404) {
                return false; // stream (or bucket) not found
            }
            throw e;
        }
    }
}
