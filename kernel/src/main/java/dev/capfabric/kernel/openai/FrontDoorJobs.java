package dev.capfabric.kernel.openai;

import dev.capfabric.kernel.config.NodeId;
import dev.capfabric.kernel.dispatch.DispatchSettings;
import dev.capfabric.kernel.dispatch.Dispatcher;
import dev.capfabric.kernel.dispatch.Outcome;
import dev.capfabric.kernel.http.CapabilityService;
import dev.capfabric.kernel.http.JobRunner;
import dev.capfabric.kernel.http.RequestBodies;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * What every OpenAI-shaped route does with a request: reads its body as the HTTP edge does,
 * resolves the model it names against the fleet, and runs the job through the node's one
 * {@link JobRunner} (the route of {@code POST /v1/capability/<cap>}: local first, then the best node,
 * failover, deadline, cancellation when the client leaves).
 */
final class FrontDoorJobs {

    private final String nodeId;
    private final Dispatcher dispatcher;
    private final JobRunner runner;
    private final ModelCatalog catalog;
    private final RequestBodies bodies;

    FrontDoorJobs(String nodeId, Dispatcher dispatcher, JobRunner runner, ModelCatalog catalog, RequestBodies bodies) {
        this.nodeId = requireNonNull(nodeId, "nodeId is null");
        this.dispatcher = requireNonNull(dispatcher, "dispatcher is null");
        this.runner = requireNonNull(runner, "runner is null");
        this.catalog = requireNonNull(catalog, "catalog is null");
        this.bodies = requireNonNull(bodies, "bodies is null");
    }

    String nodeId() {
        return nodeId;
    }

    ModelCatalog catalog() {
        return catalog;
    }

    DispatchSettings limits(Capability capability) {
        return dispatcher.settingsFor(capability);
    }

    /**
     * The body, read by the HTTP edge's {@link RequestBodies} as {@code POST /v1/capability/<cap>} reads
     * it: within the capability's {@code max-body-bytes} (413), the node's budget of bodies in flight
     * (503, {@code Retry-After}), the idle-body timeout (408) and its framing (400), each refusal in
     * OpenAI's shape, the connection closed after it. Closing the body gives back its budget: hold it
     * open until the job is answered.
     */
    RequestBodies.Body body(ServerRequest request, Capability capability) {
        long max = limits(capability).maxBodyBytes();
        try {
            return bodies.read(request, max, capability.name());
        } catch (RequestBodies.Refused refused) {
            throw switch (refused.status()) {
                case 413 -> new OpenAiError.Failure(413, "The request " + refused.getMessage() + " (capfabric.dispatch.capabilities."
                        + capability + ".max-body-bytes)", null, "request_too_large");
                case 503 -> new OpenAiError.Failure(503, refused.getMessage(), null, "server_busy", Optional.of(Duration.ofSeconds(1)));
                case 408 -> new OpenAiError.Failure(408, refused.getMessage(), null, "request_timeout");
                default -> new OpenAiError.Failure(refused.status(), refused.getMessage(), null, "invalid_request");
            };
        }
    }

    /**
     * The fleet model a request names, for a route of {@code capability}: 404 when no node serves it,
     * 400 when it is a model of another capability. No model named: any node with the capability.
     */
    FleetModel model(Optional<String> named, Capability capability, String route) {
        if (named.isEmpty()) {
            return new FleetModel(capability.name(), capability, Optional.empty(), Optional.empty(), java.util.List.of());
        }
        FleetModel model = catalog.find(named.get()).orElseThrow(() -> OpenAiError.modelNotFound(named.get(),
                " (GET /v1/models lists those served now)"));
        if (!model.capability().equals(capability)) {
            throw OpenAiError.invalid("The model '" + named.get() + "' is a " + model.capability() + " model; " + route
                    + " needs a " + capability + " model (GET /v1/models lists them with their capability)", "model",
                    "model_not_supported");
        }
        return model;
    }

    /** Runs a job and returns what it served, or throws the failure as an OpenAI error. */
    Outcome.Served run(ServerRequest request, ServerResponse response, FleetModel model, Map<String, String> parameters,
                       Payload input) {
        Map<String, String> all = parameters;
        Map<String, String> chosen = model.jobParameters();
        if (!chosen.isEmpty()) {
            all = new java.util.LinkedHashMap<>(parameters);
            all.putAll(chosen);
        }
        Capability capability = model.capability();
        Job job;
        try {
            job = runner.newJob(request, capability, all, input, limits(capability));
        } catch (IllegalArgumentException e) {
            throw OpenAiError.invalid(e.getMessage(), null, "invalid_request");
        }
        response.header(CapabilityService.JOB_ID, job.id());
        Optional<String> pinned = request.headers().first(CapabilityService.NODE).map(String::strip).filter(s -> !s.isEmpty());
        if (pinned.isPresent() && !NodeId.isValid(pinned.get())) {
            throw OpenAiError.invalid("X-Capfabric-Node '" + pinned.get() + "' is not a node id", null, "invalid_request");
        }
        Outcome outcome = runner.run(job, pinned);
        response.header(CapabilityService.NODE, outcome.node());
        return switch (outcome) {
            case Outcome.Served served -> {
                response.header(CapabilityService.PROVIDER, served.provider());
                yield served;
            }
            case Outcome.Failed failed -> {
                failed.provider().ifPresent(p -> response.header(CapabilityService.PROVIDER, p));
                throw OpenAiError.of(failed);
            }
        };
    }

    /** Milliseconds left before the deadline of a request of {@code capability}, as an instant. */
    java.time.Instant deadline(ServerRequest request, Capability capability) {
        String header = request.headers().first(CapabilityService.REQUEST_TIMEOUT).orElse("");
        long millis = limits(capability).defaultTimeout().toMillis();
        try {
            if (!header.isBlank()) {
                millis = Math.min(Long.parseLong(header.strip()), limits(capability).maxTimeout().toMillis());
            }
        } catch (NumberFormatException e) {
            throw OpenAiError.invalid("X-Request-Timeout must be a whole number of milliseconds", null, "invalid_request");
        }
        return java.time.Instant.now().plusMillis(Math.max(1, millis));
    }
}
