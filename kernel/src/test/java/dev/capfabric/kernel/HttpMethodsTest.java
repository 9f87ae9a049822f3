package dev.capfabric.kernel;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HEAD and OPTIONS on every route; CORS off unless origins are configured. */
class HttpMethodsTest {

    private static final List<String> READ_ROUTES = List.of("/caps", "/capabilities/installed", "/v1/capabilities", "/v1/nodes",
            "/metrics", "/health", "/health/live", "/health/ready");

    @TempDir
    Path home;

    private final List<TestNode> nodes = new ArrayList<>();

    @AfterEach
    void stopNodes() {
        nodes.forEach(TestNode::close);
    }

    private TestNode start(Map<String, String> env) {
        TestPlugins.provider("test.echo", "echo-one", "echo").build(home.resolve("plugins/echo.jar"));
        TestNode node = TestNode.start(home, "methods", env);
        nodes.add(node);
        node.awaitCaps(caps -> caps.at("/capabilities/echo").isObject(), Duration.ofSeconds(10), "echo loaded");
        return node;
    }

    private static HttpResponse<String> send(TestNode node, String method, String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.uri(path)).method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            request.headers(headers);
        }
        return node.send(request.build());
    }

    @Test
    void headAnswersWhatGetAnswersWithoutTheBody() {
        TestNode node = start(Map.of());
        for (String path : READ_ROUTES) {
            HttpResponse<String> get = node.get(path);
            HttpResponse<String> head = send(node, "HEAD", path);
            assertEquals(get.statusCode(), head.statusCode(), "HEAD " + path);
            assertEquals("", head.body(), "HEAD " + path + " has no body");
            assertEquals(get.headers().firstValue("Content-Type"), head.headers().firstValue("Content-Type"), "HEAD " + path);
            // the connection is still good for the next request
            assertEquals(get.statusCode(), node.get(path).statusCode(), "GET after HEAD " + path);
        }
        HttpResponse<String> unknown = send(node, "HEAD", "/no/such/path");
        assertEquals(node.get("/no/such/path").statusCode(), unknown.statusCode(), "a refusal of HEAD is that of GET: "
                + unknown.headers() + " " + send(node, "GET", "/no/such/path").body());
        assertEquals("", unknown.body());
        HttpResponse<String> job = send(node, "HEAD", "/v1/capability/echo");
        assertEquals(405, job.statusCode(), "a job route runs on POST only");
        assertEquals("", job.body());
    }

    @Test
    void optionsListsTheMethodsOfEveryRoute() {
        TestNode node = start(Map.of());
        for (String path : READ_ROUTES) {
            HttpResponse<String> options = send(node, "OPTIONS", path);
            assertEquals(204, options.statusCode(), "OPTIONS " + path + ": " + options.body());
            assertEquals("GET, HEAD, OPTIONS", options.headers().firstValue("Allow").orElse(""), "OPTIONS " + path);
        }
        HttpResponse<String> job = send(node, "OPTIONS", "/v1/capability/echo");
        assertEquals(204, job.statusCode());
        assertEquals("POST, OPTIONS", job.headers().firstValue("Allow").orElse(""));
        assertEquals(404, send(node, "OPTIONS", "/no/such/path").statusCode());
        assertTrue(send(node, "OPTIONS", "/caps").headers().firstValue("Access-Control-Allow-Origin").isEmpty(), "CORS is off by default");
        HttpResponse<String> cross = send(node, "GET", "/caps", "Origin", "https://app.example.com");
        assertEquals(200, cross.statusCode());
        assertTrue(cross.headers().firstValue("Access-Control-Allow-Origin").isEmpty(), "CORS is off by default");
    }

    @Test
    void corsAllowsOnlyTheConfiguredOrigins() {
        TestNode node = start(Map.of("CAPFABRIC_CORS_ALLOWED_ORIGINS", "https://app.example.com, http://localhost:3000"));
        HttpResponse<String> preflight = send(node, "OPTIONS", "/v1/capability/echo", "Origin", "https://app.example.com",
                "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type");
        assertTrue(preflight.statusCode() / 100 == 2, "preflight: " + preflight.statusCode() + " " + preflight.body());
        assertEquals("https://app.example.com", preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        assertTrue(String.join(",", preflight.headers().allValues("Access-Control-Allow-Methods")).contains("POST"), preflight.headers().toString());

        HttpResponse<String> job = node.post("/v1/capability/echo", "application/json", "{}".getBytes(), "Origin", "http://localhost:3000");
        assertEquals(200, job.statusCode(), job.body());
        assertEquals("http://localhost:3000", job.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        String exposed = String.join(",", job.headers().allValues("Access-Control-Expose-Headers")).toLowerCase();
        assertTrue(exposed.contains("x-capfabric-job-id") && exposed.contains("x-capfabric-metadata"), exposed);

        HttpResponse<String> stranger = send(node, "GET", "/caps", "Origin", "https://evil.example.org");
        assertFalse(stranger.headers().firstValue("Access-Control-Allow-Origin").isPresent(), "an origin not configured gets no grant");
        HttpResponse<String> strangerPreflight = send(node, "OPTIONS", "/caps", "Origin", "https://evil.example.org",
                "Access-Control-Request-Method", "GET");
        assertFalse(strangerPreflight.headers().firstValue("Access-Control-Allow-Origin").isPresent());
        assertEquals(200, node.get("/caps").statusCode(), "requests without Origin are unaffected");
    }

    @Test
    void originsThatAreNotOriginsStopStartUp() {
        for (String bad : List.of("app.example.com", "https://app.example.com/path", "ftp://x")) {
            try {
                nodes.add(TestNode.start(home.resolve("bad"), "bad", Map.of("CAPFABRIC_CORS_ALLOWED_ORIGINS", bad)));
                throw new AssertionError("'" + bad + "' was taken as an origin");
            } catch (dev.capfabric.kernel.config.InvalidSettingsException expected) {
                assertTrue(expected.getMessage().contains("allowed-origins"), expected.getMessage());
            }
        }
    }
}
