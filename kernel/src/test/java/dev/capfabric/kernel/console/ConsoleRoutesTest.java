package dev.capfabric.kernel.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.cli.CliRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console's routes on a real node: its pages at {@code /} and {@code /ui/...} (open even with API
 * keys), the live fleet feed at {@code /v1/nodes/events} (the read scope, bounded watchers, HEAD and
 * OPTIONS), any node's caps at {@code /v1/nodes/<id>/caps}, and JSON 404s for everything else.
 */
class ConsoleRoutesTest {

    @TempDir
    static Path dir;

    static TestNode open;
    static TestNode keyed;
    static String readKey;
    static String jobsKey;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        open = TestNode.start(dir.resolve("open"), "open", Map.of(
                "CAPFABRIC_CONSOLE_MAX__WATCHERS", "2", "CAPFABRIC_CONSOLE_EVENTS__INTERVAL__MS", "100",
                "CAPFABRIC_CONSOLE_KEEP__ALIVE__MS", "300"));
        Path keys = dir.resolve("keys");
        readKey = key(keys, "viewer", "read");
        jobsKey = key(keys, "runner", "jobs");
        keyed = TestNode.start(dir.resolve("keyed"), "keyed", Map.of("CAPFABRIC_HTTP_KEYS__FILE", keys.toString(),
                "CAPFABRIC_CONSOLE_EVENTS__INTERVAL__MS", "100"));
    }

    static String key(Path keys, String name, String scopes) throws IOException {
        CliRun run = CliRun.of("key", "new", "--name", name, "--scopes", scopes);
        assertEquals(0, run.status(), run.err());
        List<String> lines = run.out().lines().toList();
        Files.writeString(keys, lines.get(1) + "\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        return lines.get(0);
    }

    @AfterAll
    static void stop() {
        for (TestNode node : new TestNode[]{open, keyed}) {
            if (node != null) {
                node.close();
            }
        }
    }

    @Test
    void pagesAreServedFromTheJarWithTheirTypes() {
        for (TestNode node : List.of(open, keyed)) {
            HttpResponse<String> index = node.get("/");
            assertEquals(200, index.statusCode(), index.body());
            assertTrue(index.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), index.headers().toString());
            assertTrue(index.body().contains("<script type=\"module\" src=\"/ui/app.js\">"), index.body());
            assertEquals(index.body(), node.get("/index.html").body());
            for (String[] asset : new String[][]{{"/ui/app.js", "javascript"}, {"/ui/fleet.js", "javascript"}, {"/ui/style.css", "text/css"}}) {
                HttpResponse<String> response = node.get(asset[0]);
                assertEquals(200, response.statusCode(), asset[0]);
                assertTrue(response.headers().firstValue("Content-Type").orElse("").contains(asset[1]),
                        asset[0] + " " + response.headers().firstValue("Content-Type"));
            }
        }
    }

    @Test
    void everyFileOfTheConsoleIsServedFromMemory() throws Exception {
        Path root = Path.of(ConsolePages.class.getClassLoader().getResource(ConsolePages.ROOT + "/index.html").toURI()).getParent();
        try (var files = Files.walk(root)) {
            List<String> found = files.filter(Files::isRegularFile).map(f -> root.relativize(f).toString().replace('\\', '/')).sorted().toList();
            assertEquals(found, ConsolePages.FILES.stream().sorted().toList(), "ConsolePages.FILES lists every file of the console");
        }
        for (String file : ConsolePages.FILES) {
            assertEquals(200, open.get("/" + file).statusCode(), file);
        }
    }

    @Test
    void everythingElseStaysJson404Or405() {
        // paths the pages' open scope or the read scope let through, that nothing serves
        for (String path : List.of("/ui/nope.js", "/ui/", "/ui/capfabric-console/index.html", "/ui/../ui/nope", "/ui/%2e%2e/caps",
                "/v1/nodes/events/x", "/v1/nodes/x/y")) {
            HttpResponse<String> response = open.get(path);
            assertEquals(404, response.statusCode(), path + ": " + response.body());
            assertEquals("not_found", TestNode.json(response.body()).at("/error/kind").asText(), path + ": " + response.body());
        }
        // paths outside every rule keep needing admin (deny by default), pages or not
        for (String path : List.of("/nope", "/index.htm", "/capfabric-console/index.html")) {
            HttpResponse<String> response = open.get(path);
            assertEquals(403, response.statusCode(), path + ": " + response.body());
        }
        // the pages take no other method: a POST is not served by them
        for (String path : List.of("/", "/index.html", "/ui/app.js")) {
            HttpResponse<String> response = open.post(path, "text/plain", new byte[]{1});
            // no key configured: a POST needs admin there (deny by default), as on any path no rule opens
            assertTrue(response.statusCode() == 403 || response.statusCode() == 404 || response.statusCode() == 405,
                    path + " " + response.statusCode());
            assertTrue(TestNode.json(response.body()).at("/error/kind").isTextual(), path + ": " + response.body());
        }
    }

    @Test
    void optionsAndHeadKnowTheNewRoutes() throws Exception {
        for (String path : List.of("/", "/index.html", "/ui/app.js", "/v1/nodes/events", "/v1/nodes/open/caps")) {
            HttpResponse<String> options = open.send(HttpRequest.newBuilder(open.uri(path)).method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(204, options.statusCode(), path);
            assertEquals("GET, HEAD, OPTIONS", options.headers().firstValue("Allow").orElse(""), path);
        }
        // HEAD of the never-ending stream answers its headers and ends
        HttpResponse<String> head = HTTP.send(HttpRequest.newBuilder(open.uri("/v1/nodes/events")).timeout(Duration.ofSeconds(5))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, head.statusCode());
        assertEquals("text/event-stream", head.headers().firstValue("Content-Type").orElse(""));
        assertEquals(200, HTTP.send(HttpRequest.newBuilder(open.uri("/")).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void theFeedSendsTheFleetThenOnlyChangesAndKeepsQuietStreamsAlive() throws Exception {
        try (Stream stream = Stream.openWhenFree(open)) {
            assertEquals(200, stream.status);
            JsonNode fleet = stream.nextFleet(Duration.ofSeconds(10));
            assertEquals("open", fleet.get("viewer").asText());
            assertEquals("none", fleet.get("link").asText());
            JsonNode self = fleet.at("/nodes/0");
            assertEquals("open", self.get("node_id").asText());
            assertEquals("ok", self.get("status").asText());
            assertTrue(self.get("self").asBoolean());
            assertTrue(self.at("/hardware/cores").asInt() > 0, self.toString());
            assertTrue(self.get("version").isTextual());
            // a keep-alive comment comes when nothing changes for keep-alive-ms
            assertTrue(stream.awaitLine(line -> line.startsWith(":"), Duration.ofSeconds(10)), "no keep-alive comment: " + stream.seen);
        }
    }

    @Test
    void watchersAreBoundedAndALeavingWatcherFreesItsPlace() throws Exception {
        try (Stream first = Stream.openWhenFree(open); Stream second = Stream.openWhenFree(open)) {
            assertEquals(200, first.status);
            assertEquals(200, second.status);
            first.nextFleet(Duration.ofSeconds(10));
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> refused = open.get("/v1/nodes/events");
                assertEquals(503, refused.statusCode(), refused.body());
                assertEquals("busy", TestNode.json(refused.body()).at("/error/kind").asText());
                assertEquals("5", refused.headers().firstValue("Retry-After").orElse(""));
            }
            second.close();
            // the server notices the closed stream at its next write (a picture or a keep-alive)
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            for (;;) {
                try (Stream third = Stream.open(open, null)) {
                    if (third.status == 200) {
                        third.nextFleet(Duration.ofSeconds(10));
                        break;
                    }
                }
                assertTrue(System.nanoTime() < end, "the place of a closed stream was never freed");
                Thread.sleep(100);
            }
        }
    }

    @Test
    void anyNodesCapsByIdAndUnknownNodesAre404() {
        JsonNode caps = open.getJson("/v1/nodes/open/caps");
        assertEquals("open", caps.get("node_id").asText());
        assertTrue(caps.get("providers").isArray());
        for (String id : List.of("ghost", "OPEN", "open%20", "%2e%2e")) {
            HttpResponse<String> response = open.get("/v1/nodes/" + id + "/caps");
            assertEquals(404, response.statusCode(), id);
            assertEquals("not_found", TestNode.json(response.body()).at("/error/kind").asText(), id);
        }
    }

    @Test
    void withKeysThePagesStayOpenAndTheDataNeedsTheReadScope() throws Exception {
        assertEquals(200, keyed.get("/").statusCode());
        assertEquals(200, keyed.get("/ui/app.js").statusCode());
        for (String path : List.of("/v1/nodes/events", "/v1/nodes/keyed/caps")) {
            assertEquals(401, keyed.get(path).statusCode(), path);
            HttpResponse<String> lacking = keyed.send(HttpRequest.newBuilder(keyed.uri(path)).header("Authorization", "Bearer " + jobsKey).build());
            assertEquals(403, lacking.statusCode(), path);
        }
        assertEquals(200, keyed.send(HttpRequest.newBuilder(keyed.uri("/v1/nodes/keyed/caps")).header("X-Api-Key", readKey).build()).statusCode());
        try (Stream stream = Stream.open(keyed, readKey)) {
            assertEquals(200, stream.status);
            assertEquals("keyed", stream.nextFleet(Duration.ofSeconds(10)).get("viewer").asText());
        }
    }

    /** One event stream read line by line. */
    static final class Stream implements AutoCloseable {
        final int status;
        private final InputStream body;
        private final BufferedReader lines;
        private final List<String> seen = new ArrayList<>();

        private Stream(int status, InputStream body) {
            this.status = status;
            this.body = body;
            this.lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
        }

        static Stream open(TestNode node, String key) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(node.uri("/v1/nodes/events")).header("Accept", "text/event-stream");
            if (key != null) {
                request.header("Authorization", "Bearer " + key);
            }
            HttpResponse<InputStream> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            return new Stream(response.statusCode(), response.body());
        }

        /**
         * A stream once a place is free: a watcher that went away (another test's) holds its place until
         * the server's next writes to it fail, a keep-alive or two later.
         */
        static Stream openWhenFree(TestNode node) throws Exception {
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            for (;;) {
                Stream stream = open(node, null);
                if (stream.status != 503 || System.nanoTime() > end) {
                    return stream;
                }
                stream.close();
                Thread.sleep(100);
            }
        }

        /** Reads until the predicate matches a line; false at the end of the stream or after {@code within}. */
        boolean awaitLine(java.util.function.Predicate<String> wanted, Duration within) throws Exception {
            long end = System.nanoTime() + within.toNanos();
            String line;
            while (System.nanoTime() < end && (line = lines.readLine()) != null) {
                seen.add(line);
                if (wanted.test(line)) {
                    return true;
                }
            }
            return false;
        }

        JsonNode nextFleet(Duration within) throws Exception {
            assertTrue(awaitLine(line -> line.equals("event: fleet") || line.equals("event:fleet"), within), "no fleet event: " + seen);
            String data = lines.readLine();
            assertTrue(data.startsWith("data:"), data);
            return TestNode.json(data.substring(5).strip());
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }
}
