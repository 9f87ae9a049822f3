package dev.capfabric.plugin.ocr.visionllm;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Cancellation;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.util.Objects.requireNonNull;

/**
 * JSON over HTTP to one vision backend. Every call is bounded: by a deadline covering the whole
 * exchange (the JDK client's own timeout stops counting once headers arrive), by the size of the
 * answer, and by the caller's cancellation. Failures come out as {@link CapabilityException}s
 * whose kind {@link BackendFailures} chose.
 */
final class BackendClient implements AutoCloseable {

    /** Far more than any transcription or model list; stops a misbehaving backend from filling memory. */
    static final long MAX_ANSWER_BYTES = 16L << 20;
    private static final long CANCELLATION_POLL_MILLIS = 50;

    private final HttpClient http;
    private final VisionApi api;
    private final Optional<String> apiKey;

    BackendClient(VisionApi api, Optional<String> apiKey, Duration connectTimeout) {
        this.api = requireNonNull(api, "api is null");
        this.apiKey = requireNonNull(apiKey, "apiKey is null");
        // HTTP/1.1: a cleartext HTTP/2 upgrade attempt gains nothing here and some servers mishandle it
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /** GETs a JSON object, waiting at most {@code timeout}. */
    Map<String, Object> get(URI endpoint, Duration timeout) throws CapabilityException {
        HttpRequest request = request(endpoint, timeout).GET().build();
        return exchange(request, Instant.now().plus(timeout), Cancellation.never(), false);
    }

    /**
     * POSTs a JSON object and reads the JSON answer.
     *
     * @param until        when to give up; {@code TIMEOUT} after it
     * @param deadlineIsJobs whether {@code until} is the job's deadline (for the message) rather than the configured timeout
     */
    Map<String, Object> post(URI endpoint, Map<String, Object> body, Instant until, boolean deadlineIsJobs,
                             Cancellation cancellation) throws CapabilityException {
        byte[] json;
        try {
            json = JSON.std.asBytes(body);
        } catch (IOException unwritable) {
            throw CapabilityException.internal("cannot write the request body", unwritable);
        }
        HttpRequest request = request(endpoint, Duration.between(Instant.now(), until))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json))
                .build();
        return exchange(request, until, cancellation, deadlineIsJobs);
    }

    private HttpRequest.Builder request(URI endpoint, Duration timeout) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint)
                .timeout(timeout.isNegative() || timeout.isZero() ? Duration.ofMillis(1) : timeout)
                .header("Accept", "application/json");
        apiKey.ifPresent(key -> builder.header("Authorization", "Bearer " + key));
        return builder;
    }

    private Map<String, Object> exchange(HttpRequest request, Instant until, Cancellation cancellation,
                                         boolean deadlineIsJobs) throws CapabilityException {
        CompletableFuture<HttpResponse<byte[]>> pending = http.sendAsync(request,
                HttpResponse.BodyHandlers.limiting(HttpResponse.BodyHandlers.ofByteArray(), MAX_ANSWER_BYTES));
        HttpResponse<byte[]> response = await(pending, request.uri(), until, cancellation, deadlineIsJobs);
        Map<String, Object> answer = parse(response.body());
        if (response.statusCode() / 100 != 2) {
            throw BackendFailures.forStatus(response.statusCode(), answer == null ? Optional.empty() : api.errorMessage(answer),
                    response.body(), request.uri());
        }
        if (answer == null) {
            throw CapabilityException.unavailable("the backend at " + request.uri() + " answered "
                    + response.statusCode() + " with a body that is not a JSON object");
        }
        return answer;
    }

    private static HttpResponse<byte[]> await(CompletableFuture<HttpResponse<byte[]>> pending, URI endpoint, Instant until,
                                              Cancellation cancellation, boolean deadlineIsJobs) throws CapabilityException {
        try {
            while (true) {
                long left = Duration.between(Instant.now(), until).toMillis();
                if (left <= 0) {
                    pending.cancel(true);
                    throw CapabilityException.timeout(deadlineIsJobs
                            ? "the job's deadline passed before the backend at " + endpoint + " answered"
                            : "the backend at " + endpoint + " did not answer in time");
                }
                if (cancellation.isCancelled()) {
                    pending.cancel(true);
                    throw CapabilityException.timeout("the job was cancelled while waiting for " + endpoint);
                }
                try {
                    return pending.get(Math.min(left, CANCELLATION_POLL_MILLIS), TimeUnit.MILLISECONDS);
                } catch (TimeoutException stillWaiting) {
                    // loop: check the deadline and the cancellation again
                }
            }
        } catch (ExecutionException failed) {
            throw BackendFailures.forException(failed.getCause(), endpoint, deadlineIsJobs);
        } catch (InterruptedException interrupted) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw CapabilityException.timeout("interrupted while waiting for " + endpoint);
        }
    }

    /** The body as a JSON object, or null when it is not one. */
    private static Map<String, Object> parse(byte[] body) {
        try {
            return body.length == 0 ? null : JSON.std.mapFrom(body);
        } catch (IOException | RuntimeException notAnObject) {
            return null;
        }
    }

    @Override
    public void close() {
        http.shutdownNow();
    }
}
