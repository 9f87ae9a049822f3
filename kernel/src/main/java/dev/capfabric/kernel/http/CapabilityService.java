package dev.capfabric.kernel.http;

import dev.capfabric.kernel.config.NodeId;
import dev.capfabric.kernel.dispatch.CancellationFlag;
import dev.capfabric.kernel.dispatch.DispatchSettings;
import dev.capfabric.kernel.dispatch.Dispatcher;
import dev.capfabric.kernel.dispatch.JobMetrics;
import dev.capfabric.kernel.dispatch.JobRoute;
import dev.capfabric.kernel.dispatch.Outcome;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import static java.util.Objects.requireNonNull;

/**
 * {@code POST /v1/capability/<cap>}: runs a job, routed by the node's {@link JobRoute}.
 *
 * <p>The body is the job's input with its {@code Content-Type}. Parameters come from the query string
 * and, for a JSON body, from the top-level scalar fields of the object (the query string wins on a
 * clash). {@code X-Request-Timeout} (milliseconds) sets the deadline, {@code X-Capfabric-Node} pins a
 * node. Every answer names the node and, when one was involved, the provider, and carries the job's
 * id ({@code X-Capfabric-Job-Id}); a binary result carries its metadata in {@link MetadataHeader}.
 * With {@code Accept: text/event-stream} the answer is a {@link JobEventStream} instead: the provider's
 * progress and partial results as they come, then the result.
 */
public final class CapabilityService implements HttpService {

    public static final HeaderName NODE = HeaderNames.create("X-Capfabric-Node");
    public static final HeaderName PROVIDER = HeaderNames.create("X-Capfabric-Provider");
    public static final HeaderName JOB_ID = HeaderNames.create("X-Capfabric-Job-Id");
    public static final HeaderName REQUEST_TIMEOUT = HeaderNames.create("X-Request-Timeout");

    private final String nodeId;
    private final Header nodeHeader; // made once: every answer names the node
    private final Dispatcher dispatcher;
    private final JobRoute route;
    private final JobMetrics metrics;
    private final JobRunner runner;
    private final RequestBodies bodies;
    // names already checked and known: validating a name costs two regular-expression matches
    private final Map<String, Capability> knownNames = new ConcurrentHashMap<>();

    /**
     * @param runner the node's job runner, shared with the OpenAI-shaped front door
     */
    public CapabilityService(String nodeId, Dispatcher dispatcher, JobRunner runner, JobMetrics metrics, RequestBodies bodies) {
        this.nodeId = requireNonNull(nodeId, "nodeId is null");
        this.nodeHeader = HeaderValues.create(NODE, nodeId);
        this.dispatcher = requireNonNull(dispatcher, "dispatcher is null");
        this.runner = requireNonNull(runner, "runner is null");
        this.route = runner.route();
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.bodies = requireNonNull(bodies, "bodies is null");
    }

    /** Refuses the job at the edge, counted as such; {@code capability} is "unknown" for names no node knows. */
    private void refuse(ServerResponse response, String capability, int status, String kind, String message, Map<String, Object> details) {
        metrics.refused(capability, JobMetrics.HTTP, kind);
        fail(response, status, kind, message, details);
    }

    @Override
    public void routing(HttpRules rules) {
        // a prefix route, the name cut out below: a "/{capability}" pattern costs a regular expression
        // and a parameter map on every request
        rules.post("/*", this::run)
                .any("/*", (request, response) -> {
                    if (request.prologue().method() == Method.OPTIONS) {
                        response.next(); // a CORS preflight, for the CORS feature's route (see StandardMethods)
                        return;
                    }
                    if (capabilityName(request).isEmpty()) {
                        fail(response, 404, "not_found", "no such path: " + shortened(request.path().absolute().path()), Map.of());
                        return;
                    }
                    response.header(HeaderNames.ALLOW, "POST");
                    fail(response, 405, "method_not_allowed", "use POST to run a job", Map.of());
                });
    }

    /** A name as quoted back in an error: a client's long path is not echoed whole. */
    private static String shortened(String name) {
        return name.length() <= 64 ? name : name.substring(0, 64) + "...";
    }

    /** The one path segment after this service's path, if that is all there is. */
    private static Optional<String> capabilityName(ServerRequest request) {
        String path = request.path().path();
        if (path.length() < 2 || path.charAt(0) != '/' || path.indexOf('/', 1) >= 0) {
            return Optional.empty();
        }
        return Optional.of(path.substring(1));
    }

    /** What to do with a request that became a job: run it, or queue it. */
    @FunctionalInterface
    public interface Accepted {
        /**
         * @param job    the job, its input read whole (held until this returns)
         * @param pinned the node the caller pinned with {@code X-Capfabric-Node}, if any
         */
        void then(Job job, Optional<String> pinned);
    }

    private void run(ServerRequest request, ServerResponse response) {
        accept(request, response, (job, pinned) -> {
            if (JobEventStream.wanted(request) && job.cancellation() instanceof CancellationFlag flag) {
                try (JobEventStream events = JobEventStream.following(response, flag)) {
                    events.emit(JobEvent.of(runner.run(job, pinned)));
                }
                return;
            }
            respond(response, runner.run(job, pinned));
        });
    }

    /**
     * Turns a request for a capability (the one path segment after the service's path) into a job, as
     * {@code POST /v1/capability/<cap>} does, and hands it to {@code then}; a request that cannot be one
     * (unknown capability, body too large, bad parameters) is answered here with its JSON error.
     */
    public void accept(ServerRequest request, ServerResponse response, Accepted then) {
        response.header(nodeHeader);
        Optional<String> segment = capabilityName(request);
        if (segment.isEmpty()) {
            fail(response, 404, "not_found", "no such path: " + shortened(request.path().absolute().path()), Map.of());
            return;
        }
        String name = segment.get();
        Capability capability = knownNames.get(name);
        boolean named = capability != null;
        if (!named) {
            if (!Capability.isValid(name)) {
                refuse(response, "unknown", 404, "not_found", "'" + shortened(name) + "' is not a capability name", Map.of("known", route.knownCapabilities()));
                return;
            }
            capability = Capability.of(name);
        }
        if (!route.knows(capability)) {
            refuse(response, "unknown", 404, "not_found", "no node knows capability '" + name + "'", Map.of("known", route.knownCapabilities()));
            return;
        }
        if (!named) {
            knownNames.putIfAbsent(name, capability);
        }
        DispatchSettings limits = dispatcher.settingsFor(capability);
        RequestBodies.Body body;
        try {
            long max = bodyLimit(request, capability, limits);
            Capability target = capability; // effectively final, for the message below
            body = bodies.read(request, max, () -> max < limits.maxBodyBytes()
                    ? target + " (the largest input its usable providers take)" : target.name());
        } catch (RequestBodies.Refused e) {
            // the rest of the body is unread: the answer closes the connection (CloseAfterAnswer)
            if (e.status() == 503) {
                response.header(HeaderNames.RETRY_AFTER, "1");
            }
            response.header(HeaderValues.CONNECTION_CLOSE);
            refuse(response, capability.name(), e.status(), e.kind(), e.getMessage(), Map.of());
            return;
        }
        try (body) {
            Job job;
            try {
                job = readJob(request, capability, limits, body.bytes());
            } catch (BadRequest e) {
                refuse(response, capability.name(), e.status, e.kind, e.getMessage(), Map.of());
                return;
            }
            response.header(JOB_ID, job.id());
            Optional<String> pinned = request.headers().first(NODE).map(String::strip).filter(s -> !s.isEmpty());
            if (pinned.isPresent() && !NodeId.isValid(pinned.get())) {
                refuse(response, capability.name(), 400, "bad_input", "X-Capfabric-Node '" + pinned.get() + "' is not a node id", Map.of());
                return;
            }
            then.then(job, pinned);
        }
    }

    /** The smaller of the configured body limit and the largest input a usable provider the job could go to takes. */
    private long bodyLimit(ServerRequest request, Capability capability, DispatchSettings limits) {
        Optional<String> provider = request.query().contains("provider")
                ? Optional.of(request.query().get("provider")).filter(p -> !p.isBlank()) : Optional.empty();
        long providers = route.maxInputBytes(capability, provider);
        return providers > 0 ? Math.min(limits.maxBodyBytes(), providers) : limits.maxBodyBytes();
    }

    private Job readJob(ServerRequest request, Capability capability, DispatchSettings limits, byte[] body) {
        String mediaType = request.headers().first(HeaderNames.CONTENT_TYPE).orElse(Payload.OCTETS);
        Payload input = new Payload(mediaType, body);

        Map<String, String> parameters = isJson(input.baseType()) ? jsonParameters(body) : new LinkedHashMap<>();
        for (String key : request.query().names()) {
            parameters.put(key, request.query().get(key));
        }
        try {
            return runner.newJob(request, capability, parameters, input, limits);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(400, "bad_input", e.getMessage());
        }
    }

    private static boolean isJson(String baseType) {
        return baseType.equals(Payload.JSON) || baseType.endsWith("+json");
    }

    /** The top-level scalar fields of a JSON object, as their text; nested values are skipped. */
    private static Map<String, String> jsonParameters(byte[] body) {
        try {
            return JsonParameters.of(body);
        } catch (JsonParameters.Malformed e) {
            throw new BadRequest(400, "bad_input", e.getMessage());
        }
    }

    private void respond(ServerResponse response, Outcome outcome) {
        // accept named this node already: only a job served or failed elsewhere names another
        if (!outcome.node().equals(nodeId)) {
            response.header(NODE, outcome.node());
        }
        switch (outcome) {
            case Outcome.Served served -> {
                response.header(PROVIDER, served.provider());
                if (served.result().output().isPresent()) {
                    Payload output = served.result().output().get();
                    response.header(HeaderNames.CONTENT_TYPE, output.mediaType());
                    MetadataHeader.value(served.result().metadata()).ifPresent(value -> response.header(MetadataHeader.NAME, value));
                    response.send(output.bytes());
                } else {
                    Json.send(response, Status.OK_200, served.result().metadata());
                }
            }
            case Outcome.Failed failed -> {
                failed.provider().ifPresent(p -> response.header(PROVIDER, p));
                failed.retryAfter().ifPresent(wait ->
                        response.header(HeaderNames.RETRY_AFTER, String.valueOf(Math.max(1, (wait.toMillis() + 999) / 1000))));
                Map<String, Object> details = new LinkedHashMap<>(failed.details());
                failed.provider().ifPresent(p -> details.putIfAbsent("provider", p));
                details.putIfAbsent("node", failed.node());
                fail(response, failed.status(), failed.kind(), failed.message(), details);
            }
        }
    }

    private static void fail(ServerResponse response, int status, String kind, String message, Map<String, Object> details) {
        ApiError.of(kind, message, details).send(response, status);
    }

    /** A request the kernel refuses before it becomes a job. */
    private static final class BadRequest extends RuntimeException {
        private final int status;
        private final String kind;

        BadRequest(int status, String kind, String message) {
            super(message, null, false, false);
            this.status = status;
            this.kind = kind;
        }
    }
}
