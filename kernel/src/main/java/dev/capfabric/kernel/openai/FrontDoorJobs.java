package dev.capfabric.kernel.openai;

import dev.capfabric.kernel.config.NodeId;
import dev.capfabric.kernel.dispatch.DispatchSettings;
import dev.capfabric.kernel.dispatch.Dispatcher;
import dev.capfabric.kernel.dispatch.Outcome;
import dev.capfabric.kernel.http.CapabilityService;
import dev.capfabric.kernel.http.JobRunner;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * What every OpenAI-shaped route does with a request: reads its body within the capability's limit,
 * resolves the model it names against the fleet, and runs the job through the node's one
 * {@link JobRunner} (the route of {@code POST /v1/capability/<cap>}: local first, then the best node,
 * failover, deadline, cancellation when the client leaves).
 */
final class FrontDoorJobs {

    private final String nodeId;
    private final Dispatcher dispatcher;
    private final JobRunner runner;
    private final ModelCatalog catalog;

    FrontDoorJobs(String nodeId, Dispatcher dispatcher, JobRunner runner, ModelCatalog catalog) {
        this.nodeId = requireNonNull(nodeId, "nodeId is null");
        this.dispatcher = requireNonNull(dispatcher, "dispatcher is null");
        this.runner = requireNonNull(runner, "runner is null");
        this.catalog = requireNonNull(catalog, "catalog is null");
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

    /** The body, refused with 413 above the capability's {@code max-body-bytes}. */
    byte[] body(ServerRequest request, Capability capability) {
        long max = limits(capability).maxBodyBytes();
        Optional<String> declared = request.headers().first(HeaderNames.CONTENT_LENGTH);
        long length = -1;
        if (declared.isPresent()) {
            try {
                length = Long.parseLong(declared.get().strip());
            } catch (NumberFormatException e) {
                throw OpenAiError.invalid("Content-Length '" + declared.get() + "' is not a number", null, "invalid_request");
            }
        }
        if (length > max) {
            throw tooLarge(length + " bytes", max, capability);
        }
        try (InputStream in = request.content().inputStream()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (body.length > max) {
                throw tooLarge("more than " + max + " bytes", max, capability);
            }
            return body;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static OpenAiError.Failure tooLarge(String size, long max, Capability capability) {
        return new OpenAiError.Failure(413, "The request body is " + size + "; this node takes at most " + max
                + " bytes for " + capability + " (capfabric.dispatch.capabilities." + capability + ".max-body-bytes)",
                null, "request_too_large");
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
        Map<String, String> all = new java.util.LinkedHashMap<>(parameters);
        all.putAll(model.jobParameters());
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
