package dev.capfabric.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.config.NodeSettings;
import dev.capfabric.kernel.config.SettingsLoader;
import dev.capfabric.kernel.http.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A real kernel on a free port with its own folders, and an HTTP client to talk to it. Tests build as
 * many as they like.
 */
public final class TestNode implements AutoCloseable {

    public final Path home;
    public final Path plugins;
    public final Kernel kernel;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestNode(Path home, Kernel kernel) {
        this.home = home;
        this.plugins = home.resolve("plugins");
        this.kernel = kernel;
    }

    /** Settings for a node in {@code home}, polling plugins every 100 ms, plus {@code env}. */
    public static NodeSettings settings(Path home, String nodeId, Map<String, String> env) {
        Map<String, String> environment = new HashMap<>();
        environment.put("CAPFABRIC_NODE_ID", nodeId);
        environment.put("CAPFABRIC_PORT", "0");
        environment.put("CAPFABRIC_HOST", "127.0.0.1");
        environment.put("CAPFABRIC_PLUGINS_POLL__INTERVAL__MS", "100");
        environment.putAll(env);
        return SettingsLoader.load(environment, home);
    }

    public static TestNode start(Path home, String nodeId) {
        return start(home, nodeId, Map.of());
    }

    public static TestNode start(Path home, String nodeId, Map<String, String> env) {
        try {
            Files.createDirectories(home.resolve("plugins"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new TestNode(home, Kernel.start(settings(home, nodeId, env)));
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + kernel.port() + path);
    }

    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET().build());
    }

    public JsonNode getJson(String path) {
        HttpResponse<String> response = get(path);
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + path + " gave " + response.statusCode() + ": " + response.body());
        }
        return json(response.body());
    }

    public HttpResponse<String> post(String path, String contentType, byte[] body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request.build());
    }

    public HttpResponse<String> postJson(String path, String json, String... headers) {
        return post(path, "application/json", json.getBytes(java.nio.charset.StandardCharsets.UTF_8), headers);
    }

    public HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<byte[]> sendBytes(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode json(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    /** Polls {@code /caps} until {@code condition} holds, or fails after {@code timeout}. */
    public JsonNode awaitCaps(Predicate<JsonNode> condition, Duration timeout, String what) {
        long end = System.nanoTime() + timeout.toNanos();
        JsonNode caps = getJson("/caps");
        while (!condition.test(caps)) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what + "; /caps is " + caps.toPrettyString());
            }
            sleep(50);
            caps = getJson("/caps");
        }
        return caps;
    }

    /** The provider entry with this id on {@code /caps}, or null. */
    public static JsonNode provider(JsonNode caps, String id) {
        for (JsonNode provider : caps.get("providers")) {
            if (provider.get("id").asText().equals(id)) {
                return provider;
            }
        }
        return null;
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        kernel.stop(Duration.ofSeconds(5));
    }
}
