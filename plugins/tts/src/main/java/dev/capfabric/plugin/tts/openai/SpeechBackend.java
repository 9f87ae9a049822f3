package dev.capfabric.plugin.tts.openai;

import dev.capfabric.spi.Cancellation;
import dev.capfabric.spi.CapabilityException;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.util.Objects.requireNonNull;

/**
 * The HTTP side of an OpenAI-compatible speech server: bounded calls that end by a deadline or on
 * cancellation, and a probe of what the server offers. Thread-safe; one per provider.
 */
final class SpeechBackend implements AutoCloseable {

    private static final long POLL_MILLIS = 50;
    /** Model and voice lists are small; anything bigger is not one. */
    private static final long MAX_LIST_BYTES = 4 << 20;

    private final SpeechBackendSettings settings;
    private final HttpClient http;

    SpeechBackend(SpeechBackendSettings settings) {
        this.settings = requireNonNull(settings, "settings is null");
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.probeTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * What the server answered.
     *
     * @param status      the HTTP status
     * @param contentType the {@code Content-Type}, or empty
     * @param body        the body, within the bound
     */
    record Answer(int status, String contentType, byte[] body) {
        boolean ok() {
            return status / 100 == 2;
        }
    }

    /** Where the server is, without path or credentials, for messages. */
    String where() {
        URI base = settings.baseUrl();
        return base.getScheme() + "://" + base.getHost() + (base.getPort() < 0 ? "" : ":" + base.getPort());
    }

    /** Asks the server for its models and, where it lists them, its voices. Never throws. */
    BackendProbe probe() {
        Instant until = Instant.now().plus(settings.probeTimeout());
        try {
            Answer models = call(get("/v1/models"), until, Cancellation.never(), MAX_LIST_BYTES);
            if (!models.ok()) {
                return BackendProbe.down(where() + " answered GET /v1/models with HTTP " + models.status()
                        + SpeechApiJson.errorMessage(models.body()).map(m -> ": " + m).orElse(""));
            }
            List<String> modelIds;
            try {
                modelIds = SpeechApiJson.modelIds(models.body());
            } catch (IllegalArgumentException e) {
                return BackendProbe.down(where() + " answered GET /v1/models with something other than a model list: " + e.getMessage());
            }
            return BackendProbe.up(modelIds, voices(until));
        } catch (CapabilityException e) {
            return BackendProbe.down(e.getMessage());
        }
    }

    /** Kokoro-FastAPI lists its voices; OpenAI and LocalAI do not, and then the list is empty. */
    private List<String> voices(Instant until) {
        try {
            Answer voices = call(get("/v1/audio/voices"), until, Cancellation.never(), MAX_LIST_BYTES);
            return voices.ok() ? SpeechApiJson.voiceNames(voices.body()) : List.of();
        } catch (CapabilityException | IllegalArgumentException e) {
            return List.of();
        }
    }

    /**
     * Posts a speech request.
     *
     * @param until        when to give up
     * @param cancellation fires when nobody waits any more
     * @throws CapabilityException UNAVAILABLE when the server cannot be reached or fails mid-answer,
     *                             TIMEOUT when it does not answer in time, TOO_LARGE when the answer
     *                             outgrows {@code max-response-bytes}
     */
    Answer speak(byte[] json, Instant until, String untilWhat, Cancellation cancellation) throws CapabilityException {
        HttpRequest request = authorised(HttpRequest.newBuilder(settings.endpoint("/v1/audio/speech")))
                .header("Content-Type", "application/json")
                .header("Accept", "audio/*, application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json))
                .build();
        try {
            return call(request, until, cancellation, settings.maxResponseBytes());
        } catch (CapabilityException e) {
            if (e.kind() == CapabilityException.Kind.TIMEOUT && !cancellation.isCancelled()) {
                throw CapabilityException.timeout(e.getMessage() + " (" + untilWhat + ")");
            }
            throw e;
        }
    }

    private HttpRequest get(String path) {
        return authorised(HttpRequest.newBuilder(settings.endpoint(path))).header("Accept", "application/json").GET().build();
    }

    private HttpRequest.Builder authorised(HttpRequest.Builder builder) {
        settings.apiKey().ifPresent(key -> builder.header("Authorization", "Bearer " + key));
        return builder;
    }

    private Answer call(HttpRequest request, Instant until, Cancellation cancellation, long maxBytes) throws CapabilityException {
        String what = request.method() + " " + request.uri().getPath();
        CompletableFuture<HttpResponse<byte[]>> pending = http.sendAsync(request, BoundedBody.atMost(maxBytes));
        try {
            while (true) {
                long left = Duration.between(Instant.now(), until).toMillis();
                if (left <= 0) {
                    pending.cancel(true);
                    throw CapabilityException.timeout(where() + " did not answer " + what + " in time");
                }
                if (cancellation.isCancelled()) {
                    pending.cancel(true);
                    throw CapabilityException.timeout(what + " abandoned: nobody waits for the result any more");
                }
                try {
                    HttpResponse<byte[]> response = pending.get(Math.min(left, POLL_MILLIS), TimeUnit.MILLISECONDS);
                    return new Answer(response.statusCode(), response.headers().firstValue("content-type").orElse(""), response.body());
                } catch (TimeoutException stillWaiting) {
                    // poll again: deadline and cancellation are checked between waits
                }
            }
        } catch (ExecutionException e) {
            throw failure(what, e.getCause(), maxBytes);
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw CapabilityException.timeout(what + " interrupted");
        }
    }

    private CapabilityException failure(String what, Throwable cause, long maxBytes) {
        if (BoundedBody.tooLong(cause)) {
            return CapabilityException.tooLarge(where() + " answered " + what + " with an answer larger than " + maxBytes
                    + " bytes (setting max-response-bytes)");
        }
        if (cause instanceof HttpConnectTimeoutException) {
            return CapabilityException.unavailable(where() + " did not accept a connection within "
                    + settings.probeTimeout().toMillis() + " ms (setting probe-timeout-ms)");
        }
        if (cause instanceof HttpTimeoutException) {
            return CapabilityException.timeout(where() + " did not answer " + what + " in time");
        }
        if (cause instanceof ConnectException || cause instanceof UnresolvedAddressException) {
            return CapabilityException.unavailable(where() + " is unreachable: " + describe(cause));
        }
        if (cause instanceof IOException) {
            return CapabilityException.unavailable(where() + " failed during " + what + ": " + describe(cause));
        }
        return CapabilityException.internal("calling " + where() + " failed: " + describe(cause), cause);
    }

    private static String describe(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root && root.getMessage() == null) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null || message.isBlank() ? root.getClass().getSimpleName() : message;
    }

    /** Releases the client at once: no job is in flight by then, and a health probe still running is abandoned. */
    @Override
    public void close() {
        http.shutdownNow();
    }
}
