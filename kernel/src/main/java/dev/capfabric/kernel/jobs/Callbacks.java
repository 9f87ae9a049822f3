package dev.capfabric.kernel.jobs;

import dev.capfabric.kernel.http.Json;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * Posts an ended job to its callback URL, once: the node whose state change ended the job does it.
 * A succeeded job's callback carries the result bytes with their media type; a failed or cancelled
 * job's carries its state as JSON. Headers {@code X-Capfabric-Job-Id} and {@code X-Capfabric-Job-Status}
 * say which and how. Any 2xx answer ends the delivery; anything else (or no answer in 10 s) is tried
 * again after a doubling wait, at most {@code callback-tries} times in all.
 */
final class Callbacks {

    private static final System.Logger LOG = System.getLogger(Callbacks.class.getName());
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final JobsSettings settings;
    private final Function<String, Optional<byte[]>> results;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER).build();

    /**
     * @param results reads a succeeded job's result bytes by id
     */
    Callbacks(JobsSettings settings, Function<String, Optional<byte[]>> results) {
        this.settings = requireNonNull(settings, "settings is null");
        this.results = requireNonNull(results, "results is null");
    }

    /** Whether {@code url} may be a callback: an absolute http or https URL with a host. */
    static boolean valid(String url) {
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            return (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null && url.length() <= 2048;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    /** Delivers in the background, if the job has a callback URL. */
    void deliver(JobState state) {
        if (state.callbackUrl() == null || !state.ended()) {
            return;
        }
        Thread.ofVirtual().name("capfabric-job-callback").start(() -> send(state));
    }

    private void send(JobState state) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(state.callbackUrl())).timeout(TIMEOUT)
                .header("X-Capfabric-Job-Id", state.id()).header("X-Capfabric-Job-Status", state.status());
        Optional<byte[]> result = state.status().equals(JobState.SUCCEEDED) ? results.apply(state.id()) : Optional.empty();
        if (result.isPresent()) {
            request.header("Content-Type", state.mediaType()).POST(HttpRequest.BodyPublishers.ofByteArray(result.get()));
        } else {
            request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(state)));
        }
        long wait = settings.callbackBackoff().toMillis();
        String last = "";
        for (int attempt = 1; attempt <= settings.callbackTries(); attempt++) {
            try {
                HttpResponse<Void> answer = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
                if (answer.statusCode() / 100 == 2) {
                    return;
                }
                last = "status " + answer.statusCode();
            } catch (java.io.IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (attempt < settings.callbackTries()) {
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                wait = Math.min(wait * 2, 60_000);
            }
        }
        LOG.log(System.Logger.Level.WARNING, "callback of job {0} to {1} failed {2} times, last: {3}", state.id(),
                URI.create(state.callbackUrl()).getHost(), settings.callbackTries(), last);
    }
}
