package dev.capfabric.kernel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.http.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * The HTTP API of the one node a subcommand talks to ({@code --url}, env {@code CAPFABRIC_URL}, default
 * {@code http://localhost:8080}), with the API key of {@code --key} (env {@code CAPFABRIC_API_KEY}) as a
 * Bearer token. That node carries fleet-wide operations over NATS. Every answer is read with a bound;
 * every failure becomes a {@link CliException} that says what to do about it (unreachable node, missing
 * or refused key, unknown node, the node's own error).
 */
final class NodeApi {

    /** The options every fabric subcommand takes, with a value. */
    static final Set<String> OPTIONS = Set.of("url", "key", "timeout");

    /** The usage lines of {@link #OPTIONS}. */
    static final String USAGE = """
              --url URL       the node to talk to (env CAPFABRIC_URL, default http://localhost:8080)
              --key KEY       API key, sent as a Bearer token (env CAPFABRIC_API_KEY)
              --timeout S     seconds to wait for an answer (default 120)
            """;

    /** The largest JSON answer read. */
    static final long MAX_JSON = 32L << 20;

    private final URI base;
    private final String key;
    private final Duration timeout;
    private final HttpClient client;

    private NodeApi(URI base, String key, Duration timeout) {
        this.base = requireNonNull(base, "base is null");
        this.key = key;
        this.timeout = requireNonNull(timeout, "timeout is null");
        this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The node and key the options (then the environment) name. */
    static NodeApi of(Options options, Map<String, String> env) {
        String url = options.value("url").or(() -> java.util.Optional.ofNullable(env.get("CAPFABRIC_URL")))
                .filter(u -> !u.isBlank()).orElse("http://localhost:8080").strip();
        URI base;
        try {
            base = new URI(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        } catch (URISyntaxException e) {
            throw new UsageException("--url '" + url + "' is not a URL: " + e.getMessage());
        }
        if (!("http".equals(base.getScheme()) || "https".equals(base.getScheme())) || base.getHost() == null) {
            throw new UsageException("--url '" + url + "' is not an http:// or https:// URL with a host");
        }
        String key = options.value("key").or(() -> java.util.Optional.ofNullable(env.get("CAPFABRIC_API_KEY")))
                .filter(k -> !k.isBlank()).map(String::strip).orElse(null);
        long seconds;
        try {
            seconds = Long.parseLong(options.value("timeout").orElse("120"));
        } catch (NumberFormatException e) {
            throw new UsageException("--timeout takes whole seconds");
        }
        if (seconds <= 0) {
            throw new UsageException("--timeout takes a positive number of seconds");
        }
        return new NodeApi(base, key, Duration.ofSeconds(seconds));
    }

    /** The node's base URL, as given. */
    String url() {
        return base.toString();
    }

    /** One answer: its status, headers and body. */
    record Answer(int status, java.net.http.HttpHeaders headers, byte[] body) {

        JsonNode json() {
            return parse(body);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** {@code GET path}, expecting 200 and JSON. */
    JsonNode get(String path) {
        Answer answer = send(request(path).GET(), MAX_JSON);
        return ok(path, answer).json();
    }

    /** {@code POST path} with a JSON body, expecting 200 and JSON. */
    JsonNode postJson(String path, Object body) {
        Answer answer = send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body))), MAX_JSON);
        return ok(path, answer).json();
    }

    /** Sends a request built on {@link #request(String)}, reading at most {@code maxBytes} of the answer. */
    Answer send(HttpRequest.Builder request, long maxBytes) {
        HttpRequest built = request.build();
        try {
            HttpResponse<byte[]> response = client.send(built,
                    HttpResponse.BodyHandlers.limiting(HttpResponse.BodyHandlers.ofByteArray(), maxBytes));
            return new Answer(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw unreachable(built, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    /**
     * Sends a request whose answer is one JSON object per line ({@code application/x-ndjson}), giving
     * each line to {@code line} as it arrives; an answer that is not such a stream is returned whole.
     */
    Answer stream(HttpRequest.Builder request, Consumer<JsonNode> line) {
        HttpRequest built = request.header("Accept", "application/x-ndjson").build();
        // a connection of its own: a POST is never retried, so it must not land on a pooled connection the node is closing
        try (HttpClient own = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build()) {
            HttpResponse<Stream<String>> response = own.send(built,
                    HttpResponse.BodyHandlers.limiting(HttpResponse.BodyHandlers.ofLines(), MAX_JSON));
            boolean lines = response.statusCode() == 200
                    && response.headers().firstValue("Content-Type").orElse("").startsWith("application/x-ndjson");
            try (Stream<String> body = response.body()) {
                if (!lines) {
                    return new Answer(response.statusCode(), response.headers(),
                            String.join("\n", body.toList()).getBytes(StandardCharsets.UTF_8));
                }
                body.filter(text -> !text.isBlank()).forEach(text -> line.accept(parse(text.getBytes(StandardCharsets.UTF_8))));
            }
            return new Answer(200, response.headers(), new byte[0]);
        } catch (IOException | UncheckedIOException e) {
            throw unreachable(built, e instanceof UncheckedIOException u ? u.getCause() : (IOException) e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    /** A request to {@code path} on the node, with the key and the timeout. */
    HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(base.getPath() + path)).timeout(timeout);
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return request;
    }

    /** {@code answer} when it is a 200; otherwise a {@link CliException} saying what went wrong. */
    Answer ok(String what, Answer answer) {
        if (answer.status() == 200) {
            return answer;
        }
        throw refused(what, answer);
    }

    /** Says why the node refused {@code what}, and what to do about it. */
    CliException refused(String what, Answer answer) {
        String reason = reason(answer);
        return switch (answer.status()) {
            case 401 -> new CliException("the node at " + base + " wants an API key for " + what + " (401): give one with --key or "
                    + "CAPFABRIC_API_KEY" + (key == null ? "" : " (the key given was not accepted)") + "; the node says: " + reason);
            case 403 -> new CliException("the API key may not do " + what + " on " + base + " (403): " + reason);
            default -> new CliException(what + " failed on " + base + " (" + answer.status() + "): " + reason);
        };
    }

    /** The message of an {@code {"error": {"kind", "message"}}} answer, or its text. */
    static String reason(Answer answer) {
        try {
            JsonNode error = Json.MAPPER.readTree(answer.body()).path("error");
            if (error.has("message")) {
                return (error.has("kind") ? error.get("kind").asText() + ": " : "") + error.get("message").asText();
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: the text itself
        }
        String text = answer.text().strip();
        return text.isEmpty() ? "no reason given" : (text.length() > 300 ? text.substring(0, 300) + "..." : text);
    }

    private CliException unreachable(HttpRequest request, IOException e) {
        String cause = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof HttpConnectTimeoutException) {
            return new CliException("cannot reach the node at " + base + ": no connection within 5 s (is the address right? set --url "
                    + "or CAPFABRIC_URL)");
        }
        if (e instanceof HttpTimeoutException) {
            return new CliException("the node at " + base + " did not answer " + request.method() + " " + request.uri().getPath()
                    + " within " + timeout.toSeconds() + " s (--timeout)");
        }
        if (e instanceof ConnectException || (e.getCause() instanceof ConnectException)) {
            return new CliException("cannot reach the node at " + base + " (connection refused): is a node running there? "
                    + "Point --url or CAPFABRIC_URL at one");
        }
        return new CliException("talking to the node at " + base + " failed: " + cause);
    }

    private static JsonNode parse(byte[] body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new CliException("the node answered something that is not JSON: "
                    + (e instanceof com.fasterxml.jackson.core.JacksonException j ? Json.malformed(j) : e.getMessage()));
        }
    }
}
