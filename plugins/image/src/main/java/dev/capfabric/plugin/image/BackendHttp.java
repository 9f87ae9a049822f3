package dev.capfabric.plugin.image;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityException.Kind;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.util.Objects.requireNonNull;

/**
 * Talks JSON over HTTP to one backend. Every call ends by its {@link CallDeadline} (connecting,
 * waiting and reading the body included), reads at most {@code maxResponseBytes}, and fails only with a
 * {@link CapabilityException}: {@code TIMEOUT} at the deadline, {@code UNAVAILABLE} when the backend
 * cannot be reached, drops the connection or answers something that is not JSON, and the kind
 * {@link BackendError} derives from the status for an error answer.
 */
final class BackendHttp implements AutoCloseable {

    // how often a waiting call looks at the job's cancellation
    private static final long CANCELLATION_POLL_MILLIS = 100;

    private final URI root;
    private final Optional<String> authorization;
    private final long maxResponseBytes;
    private final HttpClient client;
    private final ObjectMapper json;

    /**
     * @param root             the backend's base URL, without a trailing slash; paths are appended to it
     * @param authorization    the {@code Authorization} header value to send to the backend, if any
     * @param maxResponseBytes the largest response body read
     * @param connectTimeout   how long establishing a connection may take at most
     */
    BackendHttp(URI root, Optional<String> authorization, long maxResponseBytes, Duration connectTimeout) {
        this.root = requireNonNull(root, "root is null");
        this.authorization = requireNonNull(authorization, "authorization is null");
        this.maxResponseBytes = maxResponseBytes;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .build();
        // a base64 image is one JSON string as long as the response: let strings be as long as a response may be
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxStringLength((int) Math.min(Integer.MAX_VALUE, maxResponseBytes))
                        .build())
                .build();
        this.json = new ObjectMapper(factory);
    }

    /** A new empty JSON object, for request bodies. */
    ObjectNode object() {
        return json.createObjectNode();
    }

    /** Parses {@code text} as JSON, or gives a missing node when it is not JSON. */
    JsonNode parse(String text) {
        try {
            return json.readTree(text);
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
    }

    /** {@code GET root + path}, expecting a 2xx JSON answer. */
    JsonNode getJson(String path, CallDeadline deadline) throws CapabilityException {
        String call = "GET " + path;
        return readJson(call, exchange(request(root(path), true).GET(), call, deadline));
    }

    /** {@code POST root + path} with a JSON body, expecting a 2xx JSON answer. */
    JsonNode postJson(String path, ObjectNode body, CallDeadline deadline) throws CapabilityException {
        String call = "POST " + path;
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (IOException e) {
            throw CapabilityException.internal("cannot write the request to " + call, e);
        }
        HttpRequest.Builder request = request(root(path), true)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        return readJson(call, exchange(request, call, deadline));
    }

    /**
     * Downloads the bytes behind a URL the backend gave, resolved against the backend's base URL. The
     * backend's credentials go only to the backend's own origin, never to a storage host it points at.
     */
    byte[] download(String location, CallDeadline deadline) throws CapabilityException {
        URI uri;
        try {
            uri = root.resolve(location.strip());
        } catch (IllegalArgumentException e) {
            throw CapabilityException.unavailable("the backend gave an image URL that is not a valid URL");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
            throw CapabilityException.unavailable("the backend gave an image URL that is not http or https: "
                    + uri.getScheme());
        }
        String call = "GET " + redacted(uri);
        HttpResponse<byte[]> response = exchange(request(uri, sameOrigin(uri)).GET(), call, deadline);
        if (response.statusCode() / 100 != 2) {
            // whatever the status, a URL the backend just gave that does not work is the backend's fault
            CapabilityException error = BackendError.of(call, response.statusCode(), MissingNode.getInstance(), response.body());
            throw CapabilityException.unavailable(error.getMessage());
        }
        return response.body();
    }

    /** The backend's base URL without credentials, query or fragment, for messages and {@code /caps}. */
    String backendName() {
        return redacted(root);
    }

    @Override
    public void close() {
        client.shutdownNow();
    }

    private URI root(String path) {
        return URI.create(root + path);
    }

    private HttpRequest.Builder request(URI uri, boolean withCredentials) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).header("Accept", "application/json, image/png");
        if (withCredentials) {
            authorization.ifPresent(value -> builder.header("Authorization", value));
        }
        return builder;
    }

    private JsonNode readJson(String call, HttpResponse<byte[]> response) throws CapabilityException {
        JsonNode body;
        try {
            body = response.body().length == 0 ? MissingNode.getInstance() : json.readTree(response.body());
        } catch (IOException e) {
            body = MissingNode.getInstance();
        }
        if (response.statusCode() / 100 != 2) {
            throw BackendError.of(call, response.statusCode(), body, response.body());
        }
        if (body.isMissingNode()) {
            throw CapabilityException.unavailable("backend answered " + response.statusCode() + " to " + call
                    + " with a body that is not JSON (" + response.headers().firstValue("content-type").orElse("no content type")
                    + ", " + response.body().length + " bytes)");
        }
        return body;
    }

    private HttpResponse<byte[]> exchange(HttpRequest.Builder builder, String call, CallDeadline deadline)
            throws CapabilityException {
        Duration left = deadline.timeLeft();
        if (left.isZero()) {
            throw timedOut(call, deadline);
        }
        HttpRequest request = builder.timeout(left).build();
        CompletableFuture<HttpResponse<byte[]>> pending =
                client.sendAsync(request, BoundedBodySubscriber.handler(maxResponseBytes));
        try {
            while (true) {
                long millisLeft = deadline.timeLeft().toMillis();
                if (millisLeft <= 0) {
                    throw timedOut(call, deadline);
                }
                if (deadline.cancellation().isCancelled()) {
                    throw new CapabilityException(Kind.TIMEOUT, call + " abandoned: nobody waits for the job any more");
                }
                try {
                    return pending.get(Math.min(millisLeft, CANCELLATION_POLL_MILLIS), TimeUnit.MILLISECONDS);
                } catch (TimeoutException stillWaiting) {
                    // look at the deadline and the cancellation again
                }
            }
        } catch (ExecutionException e) {
            throw failure(call, deadline, e.getCause(), maxResponseBytes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CapabilityException.unavailable(call + " interrupted");
        } finally {
            // aborts the exchange when it is still running; a no-op when it has completed
            pending.cancel(true);
        }
    }

    private static CapabilityException failure(String call, CallDeadline deadline, Throwable cause, long maxResponseBytes) {
        return switch (cause) {
            case IOException e when BoundedBodySubscriber.tooLong(e) ->
                    CapabilityException.unavailable(call + ": the response is larger than " + maxResponseBytes + " bytes (max-response-bytes)");
            case HttpConnectTimeoutException e ->
                    CapabilityException.unavailable(call + ": could not connect to the backend in time");
            case HttpTimeoutException e -> timedOut(call, deadline);
            case ConnectException e ->
                    CapabilityException.unavailable(call + ": the backend refused the connection (is it running?)");
            case IOException e -> CapabilityException.unavailable(call + ": the connection to the backend failed: "
                    + Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName()));
            default -> CapabilityException.internal(call + " failed: " + cause, cause);
        };
    }

    private static CapabilityException timedOut(String call, CallDeadline deadline) {
        return CapabilityException.timeout(call + " got no complete answer from the backend within " + deadline.what());
    }

    private boolean sameOrigin(URI uri) {
        return uri.getScheme().equalsIgnoreCase(root.getScheme())
                && Objects.equals(uri.getHost(), root.getHost())
                && effectivePort(uri) == effectivePort(root);
    }

    private static int effectivePort(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private static String redacted(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "")
                + Objects.requireNonNullElse(uri.getRawPath(), "");
    }
}
