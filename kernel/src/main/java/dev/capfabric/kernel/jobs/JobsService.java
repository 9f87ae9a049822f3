package dev.capfabric.kernel.jobs;

import dev.capfabric.kernel.http.ApiError;
import dev.capfabric.kernel.http.CapabilityService;
import dev.capfabric.kernel.http.JobEventStream;
import dev.capfabric.kernel.http.Json;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * The durable jobs over HTTP, answered alike by every node of the fabric:
 * <ul>
 *   <li>{@code POST /v1/jobs/<cap>}: the request {@code POST /v1/capability/<cap>} takes (body, parameters,
 *   headers), queued; {@code Idempotency-Key} makes a repeat return the first job; {@code X-Capfabric-Callback-Url}
 *   has the result posted there once the job ends. 202 with {@code {"id", "status"}} and {@code Location}
 *   (200 with the first job's state for a repeated key);</li>
 *   <li>{@code GET /v1/jobs/{id}}: the job's {@link JobState};</li>
 *   <li>{@code GET /v1/jobs/{id}/result}: a succeeded job's result bytes with their media type (409 before);</li>
 *   <li>{@code GET /v1/jobs/{id}/events}: server-sent events: {@code status} now and at every change,
 *   {@code progress} and {@code partial} while it runs, until it ends; leaving does not cancel it;</li>
 *   <li>{@code DELETE /v1/jobs/{id}}: cancels it (a queued job never runs, a running one is told to stop);</li>
 *   <li>{@code GET /v1/jobs?status=&after=&limit=}: one page of jobs in id order, with the next page's cursor.</li>
 * </ul>
 * Without NATS or JetStream every route answers 503 {@code unavailable} with the reason.
 */
public final class JobsService implements HttpService {

    public static final HeaderName IDEMPOTENCY_KEY = HeaderNames.create("Idempotency-Key");
    public static final HeaderName CALLBACK_URL = HeaderNames.create("X-Capfabric-Callback-Url");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Set<String> STATUSES = Set.of(JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED,
            JobState.FAILED, JobState.CANCELLED);
    private static final Duration EVENTS_POLL = Duration.ofSeconds(1);

    private final Jobs jobs;
    private final CapabilityService capabilities;

    public JobsService(Jobs jobs, CapabilityService capabilities) {
        this.jobs = requireNonNull(jobs, "jobs is null");
        this.capabilities = requireNonNull(capabilities, "capabilities is null");
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/{cap}", this::submit)
                .get("/{id}", this::state)
                .delete("/{id}", this::cancel)
                .get("/{id}/result", this::result)
                .get("/{id}/events", this::events);
    }

    private static void fail(ServerResponse response, int status, String kind, String message) {
        ApiError.of(kind, message).send(response, status);
    }

    private static void unavailable(ServerResponse response, JobStore.Unavailable e) {
        response.header(HeaderNames.RETRY_AFTER, "5");
        fail(response, 503, "unavailable", e.getMessage());
    }

    private static Optional<String> id(ServerRequest request, ServerResponse response) {
        String id = request.path().pathParameters().get("id");
        if (!ID.matcher(id).matches()) {
            fail(response, 404, "not_found", "'" + (id.length() > 64 ? id.substring(0, 64) + "..." : id) + "' is not a job id");
            return Optional.empty();
        }
        return Optional.of(id);
    }

    private void submit(ServerRequest request, ServerResponse response) {
        Optional<String> key = request.headers().first(IDEMPOTENCY_KEY).map(String::strip);
        if (key.isPresent() && (key.get().isEmpty() || key.get().length() > 256)) {
            fail(response, 400, "bad_input", "Idempotency-Key must be 1 to 256 characters");
            return;
        }
        Optional<String> callback = request.headers().first(CALLBACK_URL).map(String::strip);
        if (callback.isPresent() && !Callbacks.valid(callback.get())) {
            fail(response, 400, "bad_input", "X-Capfabric-Callback-Url must be an absolute http or https URL");
            return;
        }
        capabilities.accept(request, response, (job, pinned) -> {
            if (pinned.isPresent()) {
                fail(response, 400, "bad_input", "X-Capfabric-Node does not apply to durable jobs: whichever node has a free slot runs them");
                return;
            }
            Duration timeout = Duration.between(Instant.now(), job.deadline());
            try {
                Jobs.Submitted submitted = jobs.submit(job, timeout.isNegative() ? Duration.ofMillis(1) : timeout, key, callback);
                String location = "/v1/jobs/" + submitted.state().id();
                response.header(HeaderNames.LOCATION, location);
                response.header(CapabilityService.JOB_ID, submitted.state().id());
                if (submitted.created()) {
                    Json.send(response, Status.ACCEPTED_202, Map.of("id", submitted.state().id(), "status", submitted.state().status()));
                } else {
                    Json.send(response, Status.OK_200, submitted.state());
                }
            } catch (JobStore.Unavailable e) {
                unavailable(response, e);
            } catch (Jobs.Conflict e) {
                fail(response, 409, "conflict", e.getMessage());
            }
        });
    }

    /** The job the path names, or empty when it was answered already (bad id, unknown or expired job). */
    private Optional<JobState> known(ServerRequest request, ServerResponse response) throws JobStore.Unavailable {
        Optional<String> id = id(request, response);
        if (id.isEmpty()) {
            return Optional.empty();
        }
        Optional<JobState> state = jobs.state(id.get());
        if (state.isEmpty()) {
            fail(response, 404, "not_found", "no job " + id.get() + " (never submitted, or expired)");
        }
        return state;
    }

    private void state(ServerRequest request, ServerResponse response) {
        try {
            Optional<JobState> state = known(request, response);
            if (state.isPresent()) {
                Json.send(request, response, Status.OK_200, state.get());
            }
        } catch (JobStore.Unavailable e) {
            unavailable(response, e);
        }
    }

    private void result(ServerRequest request, ServerResponse response) {
        try {
            Optional<JobState> state = known(request, response);
            if (state.isEmpty()) {
                return;
            }
            String id = state.get().id();
            if (!state.get().status().equals(JobState.SUCCEEDED)) {
                fail(response, 409, "not_ready", "job " + id + " is " + state.get().status() + ": only a succeeded job has a result");
                return;
            }
            Optional<byte[]> bytes = jobs.result(id);
            if (bytes.isEmpty()) {
                fail(response, 404, "not_found", "the result of job " + id + " expired");
                return;
            }
            response.header(HeaderNames.CONTENT_TYPE, state.get().mediaType());
            response.header(CapabilityService.JOB_ID, id);
            response.send(bytes.get());
        } catch (JobStore.Unavailable e) {
            unavailable(response, e);
        }
    }

    private void cancel(ServerRequest request, ServerResponse response) {
        Optional<String> id = id(request, response);
        if (id.isEmpty()) {
            return;
        }
        try {
            Optional<JobState> after = jobs.cancel(id.get(), "DELETE /v1/jobs/" + id.get());
            if (after.isEmpty()) {
                fail(response, 404, "not_found", "no job " + id.get() + " (never submitted, or expired)");
                return;
            }
            if (!after.get().status().equals(JobState.CANCELLED)) {
                fail(response, 409, "conflict", "job " + id.get() + " has already ended: " + after.get().status());
                return;
            }
            Json.send(response, Status.OK_200, after.get());
        } catch (JobStore.Unavailable e) {
            unavailable(response, e);
        }
    }

    private void list(ServerRequest request, ServerResponse response) {
        Optional<String> status = request.query().first("status").asOptional().map(String::strip).filter(s -> !s.isEmpty());
        if (status.isPresent() && !STATUSES.contains(status.get())) {
            fail(response, 400, "bad_input", "status must be one of " + new java.util.TreeSet<>(STATUSES));
            return;
        }
        Optional<String> after = request.query().first("after").asOptional().filter(s -> !s.isBlank());
        if (after.isPresent() && !ID.matcher(after.get()).matches()) {
            fail(response, 400, "bad_input", "after must be a job id");
            return;
        }
        int max = jobs.settings().pageSize();
        int limit = max;
        Optional<String> asked = request.query().first("limit").asOptional();
        if (asked.isPresent()) {
            try {
                limit = Integer.parseInt(asked.get().strip());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > max) {
                fail(response, 400, "bad_input", "limit must be a whole number from 1 to " + max);
                return;
            }
        }
        try {
            Jobs.Page page = jobs.list(status, after, limit);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("jobs", page.jobs());
            if (page.next() != null) {
                body.put("next", "/v1/jobs?" + status.map(s -> "status=" + s + "&").orElse("") + "limit=" + limit + "&after=" + page.next());
            }
            Json.send(request, response, Status.OK_200, body);
        } catch (JobStore.Unavailable e) {
            unavailable(response, e);
        }
    }

    /**
     * Follows a job: subscribes to its events first, then sends its state, so nothing between the two is
     * missed; the state is read again each second in case an event was lost (a node died, the link broke).
     */
    private void events(ServerRequest request, ServerResponse response) {
        Optional<String> id = id(request, response);
        if (id.isEmpty()) {
            return;
        }
        Subscription subscription = null;
        Connection nats = null;
        try {
            nats = jobs.nats();
            subscription = nats.subscribe(jobs.eventSubject(id.get()));
            Optional<JobState> state = jobs.state(id.get());
            if (state.isEmpty()) {
                fail(response, 404, "not_found", "no job " + id.get() + " (never submitted, or expired)");
                return;
            }
            try (JobEventStream stream = JobEventStream.open(response, () -> { })) {
                if (!stream.emitRaw("status", new String(Json.bytes(state.get()), StandardCharsets.UTF_8), state.get().ended())) {
                    return;
                }
                String lastStatus = state.get().status();
                while (!state.get().ended()) {
                    Message message = subscription.nextMessage(EVENTS_POLL);
                    if (message != null) {
                        String name = message.getHeaders() == null ? null : message.getHeaders().getFirst(NatsJobEvents.EVENT);
                        if (name == null) {
                            continue;
                        }
                        boolean last = false;
                        if (name.equals("status")) {
                            state = Optional.of(Json.MAPPER.readValue(message.getData(), JobState.class));
                            last = state.get().ended();
                            lastStatus = state.get().status();
                        }
                        if (!stream.emitRaw(name, new String(message.getData(), StandardCharsets.UTF_8), last)) {
                            return;
                        }
                    } else {
                        state = jobs.state(id.get());
                        if (state.isEmpty()) {
                            stream.emitRaw("error", new String(Json.bytes(ApiError.of("not_found", "job " + id.get() + " expired")),
                                    StandardCharsets.UTF_8), true);
                            return;
                        }
                        if (!state.get().status().equals(lastStatus) || state.get().ended()) {
                            lastStatus = state.get().status();
                            if (!stream.emitRaw("status", new String(Json.bytes(state.get()), StandardCharsets.UTF_8), state.get().ended())) {
                                return;
                            }
                        }
                    }
                }
            }
        } catch (JobStore.Unavailable e) {
            unavailable(response, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.io.IOException e) {
            // an unreadable event: the stream ends; the caller may follow again
        } finally {
            if (subscription != null) {
                try {
                    subscription.unsubscribe();
                } catch (RuntimeException ignored) {
                    // the link is gone
                }
            }
        }
    }
}
