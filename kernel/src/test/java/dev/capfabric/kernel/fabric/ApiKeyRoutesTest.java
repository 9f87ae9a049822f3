package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.cli.CliRun;
import dev.capfabric.kernel.config.InvalidSettingsException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * API keys in front of every HTTP route of a node in a fabric (a real nats-server, admin on): each
 * route with no key, a wrong key, a key without the route's scope and a key with it.
 */
class ApiKeyRoutesTest {

    @TempDir
    static Path dir;

    static NatsTestServer nats;
    static TestNode node;
    static Path keysFile;
    static String jobsKey;
    static String readKey;
    static String jobsReadKey;
    static String adminKey;

    /** Makes a key with {@code bin/capfabric key new} and appends its second line to the keys file. */
    static String newKey(Path keysFile, String name, String scopes) throws Exception {
        CliRun run = CliRun.of("key", "new", "--name", name, "--scopes", scopes);
        assertEquals(0, run.status(), run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals(2, lines.size(), run.out());
        Files.writeString(keysFile, lines.get(1) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        assertFalse(Files.readString(keysFile).contains(lines.get(0)), "the keys file never holds the key itself");
        return lines.get(0);
    }

    @BeforeAll
    static void start() throws Exception {
        nats = NatsTestServer.start(false, 0);
        keysFile = dir.resolve("keys");
        jobsKey = newKey(keysFile, "runner", "jobs");
        readKey = newKey(keysFile, "viewer", "read");
        jobsReadKey = newKey(keysFile, "app", "jobs,read");
        adminKey = newKey(keysFile, "ops", "admin,read,jobs");
        Path echo = FabricNodes.plugin(dir.resolve("jars"), "key-echo", "keyecho", 2);
        node = FabricNodes.start(dir.resolve("n"), "n", List.of(echo), FabricNodes.env(nats, Duration.ofMillis(500),
                Map.of("CAPFABRIC_HTTP_KEYS__FILE", keysFile.toString(),
                        "CAPFABRIC_HTTP_AUTH_RECHECK__MS", "50",
                        // this test makes many wrong calls on purpose; the limit has its own test below
                        "CAPFABRIC_HTTP_AUTH_MAX__FAILURES", "100000",
                        "CAPFABRIC_FABRIC_ADMIN_ENABLED", "true")));
        await(() -> TestNode.json(call(node, new Route("GET", "/caps", null, null, 0), "X-Api-Key", readKey).body())
                .at("/capabilities/keyecho").isObject(), Duration.ofSeconds(10), "keyecho");
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    /** One route: how to call it, a key lacking its scope, and what it answers when allowed. */
    record Route(String method, String path, String body, String lacking, int allowed) {
    }

    static HttpResponse<String> call(TestNode node, Route route, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.uri(route.path())).timeout(Duration.ofSeconds(20))
                .method(route.method(), route.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(route.body()));
        if (route.body() != null) {
            request.header("Content-Type", "application/json");
        }
        if (headers.length > 0) {
            request.headers(headers);
        }
        return node.send(request.build());
    }

    @Test
    void everyRouteGives401401403AndThenServes() {
        List<Route> routes = List.of(
                new Route("GET", "/caps", null, jobsKey, 200),
                new Route("GET", "/capabilities/installed", null, jobsKey, 200),
                new Route("GET", "/v1/capabilities", null, jobsKey, 200),
                new Route("GET", "/v1/nodes", null, jobsKey, 200),
                new Route("POST", "/v1/capability/keyecho", "{\"text\":\"hi\"}", readKey, 200),
                new Route("GET", "/admin/plugins", null, jobsReadKey, 200),
                new Route("GET", "/admin/nodes/n/plugins", null, jobsReadKey, 200),
                new Route("POST", "/admin/drain", null, jobsReadKey, 200),
                new Route("POST", "/admin/undrain", null, jobsReadKey, 200),
                new Route("POST", "/admin/nodes/n/drain", null, jobsReadKey, 200),
                new Route("POST", "/admin/nodes/n/undrain", null, jobsReadKey, 200),
                new Route("POST", "/admin/remove", "{\"name\":\"no-such-plugin\"}", jobsReadKey, 404),
                new Route("POST", "/admin/install", "", jobsReadKey, 400),
                // the OpenAI-shaped front door: listing models reads, running jobs needs jobs (a JSON body is not its form)
                new Route("GET", "/v1/models", null, jobsKey, 200),
                new Route("POST", "/v1/audio/transcriptions", "{}", readKey, 415),
                new Route("POST", "/v1/images/generations", "{}", readKey, 400),
                new Route("GET", "/v1/models/no-such-model", null, jobsKey, 404),
                new Route("POST", "/v1/audio/speech", "{}", readKey, 400),
                new Route("POST", "/v1/ocr", "{}", readKey, 400),
                // routes other parts add are in the table already: they pass the check and then are what they are
                new Route("POST", "/v1/jobs", "{}", readKey, 404),
                // a route no rule names needs admin
                new Route("GET", "/no/such/route", null, jobsReadKey, 404));
        List<String> wrong = new ArrayList<>();
        for (Route route : routes) {
            String what = route.method() + " " + route.path();
            HttpResponse<String> none = call(node, route);
            HttpResponse<String> unknown = call(node, route, "Authorization", "Bearer cf_" + "x".repeat(43));
            HttpResponse<String> lacking = call(node, route, "Authorization", "Bearer " + route.lacking());
            HttpResponse<String> with = call(node, route, "X-Api-Key", adminKey);
            String got = none.statusCode() + "/" + unknown.statusCode() + "/" + lacking.statusCode() + "/" + with.statusCode();
            if (!got.equals("401/401/403/" + route.allowed())) {
                wrong.add(what + " gave " + got + " (" + with.body() + ")");
            }
            for (HttpResponse<String> refused : List.of(none, unknown)) {
                assertTrue(refused.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), what);
            }
            if (route.path().startsWith("/v1/models") || route.path().startsWith("/v1/audio/") || route.path().startsWith("/v1/images/")
                    || route.path().equals("/v1/ocr")) {
                // OpenAI's shape, which its SDKs read: {"error": {"message", "type", "param", "code"}}
                assertOpenAiError(none, "authentication_error", "missing_api_key", what);
                assertOpenAiError(unknown, "authentication_error", "invalid_api_key", what);
                assertOpenAiError(lacking, "permission_error", "insufficient_permissions", what);
                continue;
            }
            for (HttpResponse<String> refused : List.of(none, unknown)) {
                assertEquals("unauthorized", TestNode.json(refused.body()).at("/error/kind").asText(), what);
            }
            assertEquals("forbidden", TestNode.json(lacking.body()).at("/error/kind").asText(), what);
        }
        assertEquals(List.of(), wrong);
    }

    private static void assertOpenAiError(HttpResponse<String> response, String type, String code, String what) {
        com.fasterxml.jackson.databind.JsonNode error = TestNode.json(response.body()).get("error");
        assertTrue(error != null && error.get("message").isTextual() && error.has("param"), what + ": " + response.body());
        assertEquals(type, error.get("type").asText(), what + ": " + response.body());
        assertEquals(code, error.get("code").asText(), what + ": " + response.body());
        assertFalse(error.has("kind"), what + ": " + response.body());
        assertEquals("false", response.headers().firstValue("x-should-retry").orElse(""), what + ": retrying cannot help");
    }

    @Test
    void imageUrlsAnswerWithoutAKeyAndRunNothing() {
        // the name is the secret: an unknown one is not found, with or without a key, and POST still needs one
        assertEquals(404, node.get("/v1/images/files/" + "0".repeat(32) + ".png").statusCode());
        assertEquals(401, call(node, new Route("POST", "/v1/images/files/x.png", "{}", readKey, 404)).statusCode());
    }

    @Test
    void healthAndMetricsStayOpen() {
        for (String path : List.of("/health", "/health/live", "/health/ready", "/metrics")) {
            assertEquals(200, node.get(path).statusCode(), path);
        }
    }

    @Test
    void keysComeAsBearerOrXApiKeyAndNothingElse() {
        Route caps = new Route("GET", "/caps", null, jobsKey, 200);
        assertEquals(200, call(node, caps, "Authorization", "Bearer " + readKey).statusCode());
        assertEquals(200, call(node, caps, "Authorization", "bearer " + readKey).statusCode());
        assertEquals(200, call(node, caps, "X-Api-Key", readKey).statusCode());
        assertEquals(401, call(node, caps, "Authorization", "Basic " + readKey).statusCode());
        assertEquals(401, call(node, caps, "Authorization", "Bearer").statusCode());
        assertEquals(401, call(node, caps, "Authorization", readKey).statusCode());
        assertEquals(401, call(node, caps, "X-Api-Key", readKey + "x").statusCode());
        assertEquals(401, call(node, caps, "X-Api-Key", readKey.substring(0, readKey.length() - 1)).statusCode());
        // the hash line itself is no key
        String hashLine = keysLine("viewer");
        assertEquals(401, call(node, caps, "X-Api-Key", hashLine.substring(hashLine.indexOf("sha256:"))).statusCode());
    }

    @Test
    void pathsSpelledAnotherWayNeverSlipPastTheCheck() {
        for (String path : List.of("/health/../admin/drain", "/health/%2e%2e/admin/drain", "//admin/drain", "/admin/./drain",
                "/admin//drain", "/metrics/../admin/drain", "/admin/drain/", "/%61dmin/drain", "/ADMIN/drain")) {
            int status = call(node, new Route("POST", path, null, null, 0)).statusCode();
            assertTrue(status == 401 || status == 404 || status == 400, path + " gave " + status + " without a key");
        }
        JsonNode state = TestNode.json(call(node, new Route("GET", "/admin/plugins", null, null, 0), "X-Api-Key", adminKey).body());
        assertTrue(state.has("ok"));
        assertNotEquals(NodeStatus.DRAINING, FabricNodes.fabric(node).status("n"), "no spelling drained the node");
    }

    @Test
    void aKeyAddedToTheFileWorksAndARemovedOneStops() throws Exception {
        Route caps = new Route("GET", "/caps", null, null, 200);
        String added = newKey(keysFile, "late", "read");
        await(() -> call(node, caps, "X-Api-Key", added).statusCode() == 200, Duration.ofSeconds(5), "the new key to work");
        List<String> kept = Files.readAllLines(keysFile).stream().filter(line -> !line.startsWith("late ")).toList();
        Files.write(keysFile, kept);
        await(() -> call(node, caps, "X-Api-Key", added).statusCode() == 401, Duration.ofSeconds(5), "the removed key to stop");
        assertEquals(200, call(node, caps, "X-Api-Key", readKey).statusCode(), "the other keys still work");
    }

    private static String keysLine(String name) {
        try {
            return Files.readAllLines(keysFile).stream().filter(line -> line.startsWith(name + " ")).findFirst().orElseThrow();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void wrongKeysFromOneAddressAreSlowedAndCounted() throws Exception {
        Path file = dir.resolve("limited-keys");
        String good = newKey(file, "good", "read");
        Map<String, String> env = new HashMap<>();
        env.put("CAPFABRIC_HTTP_KEYS__FILE", file.toString());
        env.put("CAPFABRIC_HTTP_AUTH_MAX__FAILURES", "3");
        env.put("CAPFABRIC_HTTP_AUTH_FAILURE__WINDOW__MS", "1500");
        try (TestNode limited = TestNode.start(dir.resolve("limited"), "limited", env)) {
            Route caps = new Route("GET", "/caps", null, null, 200);
            for (int i = 0; i < 3; i++) {
                assertEquals(401, call(limited, caps, "X-Api-Key", "cf_guess" + i).statusCode());
            }
            HttpResponse<String> refused = call(limited, caps, "X-Api-Key", good);
            assertEquals(429, refused.statusCode(), "even a right key waits once the address guessed too often");
            assertEquals("rate_limited", TestNode.json(refused.body()).at("/error/kind").asText());
            HttpResponse<String> models = call(limited, new Route("GET", "/v1/models", null, null, 200), "X-Api-Key", good);
            assertEquals(429, models.statusCode(), models.body());
            assertEquals("rate_limit_exceeded", TestNode.json(models.body()).at("/error/code").asText(), "OpenAI's shape: " + models.body());
            assertEquals("true", models.headers().firstValue("x-should-retry").orElse(""));
            long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
            assertTrue(retryAfter >= 1 && retryAfter <= 2, "Retry-After " + retryAfter);
            assertEquals(200, limited.get("/health/live").statusCode(), "open routes stay open");
            String metrics = limited.get("/metrics").body();
            assertTrue(metrics.contains("capfabric_http_auth_failures_total{reason=\"unknown\"} 3.0"), metrics);
            assertTrue(metrics.contains("capfabric_http_auth_failures_total{reason=\"limited\"} 2.0"), metrics);
            await(() -> call(limited, caps, "X-Api-Key", good).statusCode() == 200, Duration.ofSeconds(5), "the window to end");
        }
    }

    @Test
    void restrictedHealthAndMetricsNeedTheReadScope() throws Exception {
        Path file = dir.resolve("restricted-keys");
        String reader = newKey(file, "reader", "read");
        String runner = newKey(file, "runner", "jobs");
        try (TestNode closed = TestNode.start(dir.resolve("closed"), "closed", Map.of("CAPFABRIC_HTTP_KEYS__FILE", file.toString(),
                "CAPFABRIC_HTTP_AUTH_OPEN__HEALTH", "false", "CAPFABRIC_HTTP_AUTH_OPEN__METRICS", "false"))) {
            // no provider here, so not ready: 503 is the answer that passed the check
            for (String path : List.of("/health", "/health/live", "/health/ready", "/metrics")) {
                Route route = new Route("GET", path, null, null, 0);
                assertEquals(401, call(closed, route).statusCode(), path);
                assertEquals(403, call(closed, route, "X-Api-Key", runner).statusCode(), path);
                assertEquals(path.equals("/health/live") || path.equals("/metrics") ? 200 : 503,
                        call(closed, route, "X-Api-Key", reader).statusCode(), path);
            }
        }
    }

    @Test
    void withoutKeysTheNodeIsOpenButAdminRoutesAreClosed() {
        try (TestNode open = TestNode.start(dir.resolve("open"), "open")) {
            assertEquals(200, open.get("/caps").statusCode());
            assertEquals(200, open.get("/v1/nodes").statusCode());
            HttpResponse<String> admin = open.get("/admin/plugins");
            assertEquals(403, admin.statusCode());
            assertTrue(admin.body().contains("keys-file"), admin.body());
            assertEquals(403, open.postJson("/admin/drain", "").statusCode());
        }
    }

    @Test
    void aKeysFileThatIsMissingStopsStartUp() {
        InvalidSettingsException refused = assertThrows(InvalidSettingsException.class, () -> TestNode.start(dir.resolve("missing"),
                "missing", Map.of("CAPFABRIC_HTTP_KEYS__FILE", dir.resolve("no-such-keys").toString())));
        assertTrue(refused.getMessage().contains("no-such-keys"), refused.getMessage());
    }

    @Test
    void aKeysFileWithBadLinesKeepsItsGoodOnes() throws Exception {
        Path file = dir.resolve("mixed-keys");
        Files.writeString(file, """
                # comment
                broken
                nameonly read
                bad-hash read sha256:zz
                short-hash read sha256:abcd
                no-scope  sha256:%s
                odd-scope root sha256:%s
                """.formatted("0".repeat(64), "0".repeat(64)));
        String good = newKey(file, "good", "read");
        try (TestNode mixed = TestNode.start(dir.resolve("mixed"), "mixed", Map.of("CAPFABRIC_HTTP_KEYS__FILE", file.toString()))) {
            assertEquals(200, call(mixed, new Route("GET", "/caps", null, null, 0), "X-Api-Key", good).statusCode());
            assertEquals(401, mixed.get("/caps").statusCode());
        }
    }

    @Test
    void anOffloadedJobNamesItsCallersKeyOnBothNodesAndNeverTheKey() throws Exception {
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                lines.add(new java.util.logging.SimpleFormatter().formatMessage(record));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        List<java.util.logging.Logger> loggers = List.of(java.util.logging.Logger.getLogger(OffloadClient.class.getName()),
                java.util.logging.Logger.getLogger(OffloadServer.class.getName()));
        loggers.forEach(logger -> logger.addHandler(handler));
        try (TestNode sender = FabricNodes.start(dir.resolve("sender"), "sender", List.of(), FabricNodes.env(nats, Duration.ofMillis(500),
                Map.of("CAPFABRIC_HTTP_KEYS__FILE", keysFile.toString())))) {
            await(() -> FabricNodes.fabric(sender).nodes(false).nodes().stream().anyMatch(x -> x.capabilities().containsKey("keyecho")),
                    Duration.ofSeconds(10), "sender to know n");
            HttpResponse<String> job = call(sender, new Route("POST", "/v1/capability/keyecho", "{}", null, 0), "X-Api-Key", jobsKey);
            assertEquals(200, job.statusCode(), job.body());
            assertEquals("n", job.headers().firstValue("X-Capfabric-Node").orElseThrow());
            await(() -> lines.stream().anyMatch(l -> l.contains("of key runner offloaded to node n"))
                    && lines.stream().anyMatch(l -> l.contains("of key runner from node sender runs here")),
                    Duration.ofSeconds(5), "both audit lines, got " + lines);
            assertTrue(lines.stream().noneMatch(l -> l.contains(jobsKey)), "no line holds the key");

            // the admin routes reach another node through NATS: its answer, with its status
            HttpResponse<String> plugins = call(sender, new Route("GET", "/admin/nodes/n/plugins", null, null, 0), "X-Api-Key", adminKey);
            assertEquals(200, plugins.statusCode(), plugins.body());
            assertTrue(plugins.body().contains("\"key-echo\""), plugins.body());
            HttpResponse<String> missing = call(sender, new Route("POST", "/admin/nodes/n/remove", "{\"name\":\"nope\"}", null, 0),
                    "X-Api-Key", adminKey);
            assertEquals(404, missing.statusCode(), missing.body());
            assertEquals("not_found", TestNode.json(missing.body()).at("/error/kind").asText());
            HttpResponse<String> ghost = call(sender, new Route("POST", "/admin/nodes/ghost/drain", null, null, 0), "X-Api-Key", adminKey);
            assertEquals(404, ghost.statusCode(), ghost.body());
            HttpResponse<String> badId = call(sender, new Route("POST", "/admin/nodes/Bad.Id/drain", null, null, 0), "X-Api-Key", adminKey);
            assertEquals(400, badId.statusCode(), badId.body());
            HttpResponse<String> badVerb = call(sender, new Route("POST", "/admin/nodes/n/explode", null, null, 0), "X-Api-Key", adminKey);
            assertEquals(404, badVerb.statusCode(), badVerb.body());
        } finally {
            loggers.forEach(logger -> logger.removeHandler(handler));
        }
    }
}
