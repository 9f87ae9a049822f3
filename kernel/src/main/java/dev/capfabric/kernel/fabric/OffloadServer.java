package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.core.JacksonException;
import dev.capfabric.kernel.dispatch.CancellationFlag;
import dev.capfabric.kernel.dispatch.DispatchSettings;
import dev.capfabric.kernel.dispatch.Dispatcher;
import dev.capfabric.kernel.dispatch.JobMetrics;
import dev.capfabric.kernel.dispatch.Outcome;
import dev.capfabric.kernel.http.Json;
import dev.capfabric.kernel.http.JsonParameters;
import dev.capfabric.kernel.node.CapabilitySummary;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.Result;
import io.nats.client.Connection;
import io.nats.client.impl.Headers;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.util.Objects.requireNonNull;

/**
 * Serves jobs other nodes offload to this one, as the endpoints of this node's NATS service
 * (name {@code capfabric}; metadata: node id, capabilities and their digest): one endpoint per
 * capability on {@code <prefix>.node.<id>.cap.<cap>}, plus {@code caps} on {@code <prefix>.node.<id>.caps}.
 * When the capabilities change the service's endpoints change with them (see {@link MicroService}: the
 * service, its id and its counters stay; a new endpoint subscribes before a gone one leaves).
 *
 * <p>An offloaded job runs on this node only (it is never offloaded again), through the same
 * dispatcher as local jobs, with the deadline it arrived with. At most {@code maxServed} are held at
 * once; more are answered 429 at once. A job id published on {@code <prefix>.node.<id>.cancel.<origin>}
 * cancels that job here, as a local caller going away would, if node {@code <origin>} sent it (its
 * {@code Capfabric-Origin}): the sending node publishes it when its own caller leaves, and under the
 * generated NATS permissions a node may publish only its own origin's cancels, so it cannot stop
 * another node's jobs. A job id on {@code <prefix>.node.<id>.cancel} (no origin: for operators and
 * clients of an unsecured fabric) cancels every job of that id here.
 */
final class OffloadServer {

    private static final System.Logger LOG = System.getLogger(OffloadServer.class.getName());

    /** The kind of the 503 a draining node answers: no fault of the node, so no mark against its circuit. */
    static final String DRAINING = "draining";

    private final LocalNode local;
    private final Subjects subjects;
    private final LargePayloads payloads;
    private final String version;
    private final int maxServed;
    private final Semaphore served;
    private final FabricMetrics metrics;
    private final PeerClocks clocks;
    // offloaded jobs held now, by the node that sent them and job id: what a cancel message finds
    private final Map<Held, CancellationFlag> running = new ConcurrentHashMap<>();

    /** A job held here: its sender ({@code ""} for a client that names none) and id. */
    private record Held(String origin, String jobId) {
    }

    /**
     * Cancels that found no job: the cancel and its job travel on different subscriptions, so after a
     * pause (a frozen or starved node reading its backlog) a cancel can overtake the job it names. The
     * job, when it arrives, starts cancelled. The last {@value #EARLY_CANCELS} only; {@code origin} "*"
     * stands for a cancel that named no sender.
     */
    private static final int EARLY_CANCELS = 1024;
    private final Map<Held, Boolean> earlyCancels = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(64, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Held, Boolean> eldest) {
                    return size() > EARLY_CANCELS;
                }
            });
    private Connection connection; // guarded by this
    private final MicroService service;
    private String serviceDigest; // guarded by this
    private volatile boolean stopped;

    /** @param clocks how long a request of another node waited before it was read here */
    OffloadServer(LocalNode local, Subjects subjects, LargePayloads payloads, String kernelVersion, int maxServed, FabricMetrics metrics,
                  PeerClocks clocks, Clock clock) {
        this.local = requireNonNull(local, "local is null");
        this.subjects = requireNonNull(subjects, "subjects is null");
        this.payloads = requireNonNull(payloads, "payloads is null");
        this.version = semver(requireNonNull(kernelVersion, "kernelVersion is null"));
        this.maxServed = maxServed;
        this.served = new Semaphore(maxServed);
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.clocks = requireNonNull(clocks, "clocks is null");
        this.service = new MicroService("capfabric", version, "capfabric node " + local.nodeId(), this::metadata, clock);
    }

    /** Registers the service on {@code nats}. */
    synchronized void start(Connection nats) {
        this.connection = requireNonNull(nats, "nats is null");
        io.nats.client.Dispatcher cancels = nats.createDispatcher();
        cancels.subscribe(subjects.cancel(local.nodeId()), message -> cancel(null, message.getData()));
        cancels.subscribe(subjects.cancelsFromAnyOrigin(local.nodeId()),
                message -> cancel(message.getSubject().substring(message.getSubject().lastIndexOf('.') + 1), message.getData()));
        service.start(nats);
        refresh();
    }

    /** Cancels job {@code jobId} if {@code origin} sent it, or every job of that id when {@code origin} is null. */
    private void cancel(String origin, byte[] jobId) {
        if (jobId == null) {
            return;
        }
        String id = new String(jobId, java.nio.charset.StandardCharsets.US_ASCII);
        if (origin != null) {
            CancellationFlag flag = running.get(new Held(origin, id));
            if (flag != null) {
                flag.cancel();
            } else {
                earlyCancels.put(new Held(origin, id), Boolean.TRUE);
            }
            return;
        }
        boolean[] found = {false};
        running.forEach((held, flag) -> {
            if (held.jobId().equals(id)) {
                flag.cancel();
                found[0] = true;
            }
        });
        if (!found[0]) {
            earlyCancels.put(new Held("*", id), Boolean.TRUE);
        }
    }

    /** Whether a cancel for this job came before the job did (and forgets it). */
    private boolean cancelledEarly(Held held) {
        boolean byOrigin = earlyCancels.remove(held) != null;
        boolean byAnyone = earlyCancels.remove(new Held("*", held.jobId())) != null;
        return byOrigin || byAnyone;
    }

    private static Held held(MicroService.Request message, String jobId) {
        Headers headers = message.getHeaders();
        String origin = headers == null ? null : headers.getFirst(OffloadWire.ORIGIN);
        return new Held(origin == null ? "" : origin.strip(), jobId);
    }

    /**
     * The service's metadata, read at each {@code $SRV} request: node id, capabilities and their digest,
     * and {@code status} ({@code ok}, {@code draining}, or {@code leaving} once the node stops).
     */
    private Map<String, String> metadata() {
        Map<String, CapabilitySummary> capabilities = local.capabilities();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("node_id", local.nodeId());
        metadata.put("capabilities", String.join(",", capabilities.keySet()));
        metadata.put("digest", LocalNode.digest(capabilities));
        metadata.put("status", stopped ? "leaving" : local.draining() ? DRAINING : "ok");
        return metadata;
    }

    /**
     * Brings the service's endpoints in line with the capabilities when they changed: the service stays
     * (same id, counters kept), endpoints come and go.
     */
    synchronized void refresh() {
        if (connection == null || stopped) {
            return;
        }
        Map<String, CapabilitySummary> capabilities = local.capabilities();
        String digest = LocalNode.digest(capabilities);
        if (digest.equals(serviceDigest)) {
            return;
        }
        Connection nats = connection;
        List<MicroService.Endpoint> endpoints = new ArrayList<>();
        endpoints.add(new MicroService.Endpoint("caps", subjects.caps(local.nodeId()), Map.of(), message -> answerCaps(nats, message)));
        capabilities.forEach((name, summary) -> {
            Capability capability = Capability.of(name);
            Map<String, String> endpointMetadata = new LinkedHashMap<>();
            endpointMetadata.put("providers", String.join(",", summary.providers()));
            endpointMetadata.put("models", String.join(",", summary.models()));
            endpointMetadata.put("languages", String.join(",", summary.languages()));
            endpoints.add(new MicroService.Endpoint(name, subjects.capability(local.nodeId(), capability), endpointMetadata,
                    message -> accept(nats, message, capability)));
        });
        service.endpoints(endpoints);
        serviceDigest = digest;
        LOG.log(System.Logger.Level.INFO, "node {0} serves {1} to the fabric as NATS service capfabric/{2}",
                local.nodeId(), capabilities.keySet(), service.id());
    }

    private void answerCaps(Connection nats, MicroService.Request message) {
        Headers headers = new Headers().put(OffloadWire.DIGEST, local.digest()).put(OffloadWire.NODE, local.nodeId())
                .put(OffloadWire.INSTANCE, local.instance());
        message.respond(nats, Json.bytes(local.caps()), headers);
    }

    private void accept(Connection nats, MicroService.Request message, Capability capability) {
        if (stopped) {
            refuse(nats, message, capability, new Outcome.Failed(503, "unavailable", "node " + local.nodeId() + " is leaving the fabric",
                    local.nodeId(), Optional.empty(), Optional.of(Duration.ofSeconds(1)), Map.of()));
            return;
        }
        if (local.draining()) {
            // a peer that has not heard the draining heartbeat yet: it tries its next best node
            refuse(nats, message, capability, new Outcome.Failed(503, DRAINING, "node " + local.nodeId() + " is draining: it finishes its jobs and "
                    + "takes no new ones from the fabric", local.nodeId(), Optional.empty(), Optional.of(Duration.ofSeconds(5)), Map.of()));
            return;
        }
        if (!served.tryAcquire()) {
            refuse(nats, message, capability, new Outcome.Failed(429, "queue_full", "node " + local.nodeId() + " is serving its maximum of "
                    + maxServed + " offloaded jobs", local.nodeId(), Optional.empty(), Optional.of(Duration.ofSeconds(1)), Map.of()));
            return;
        }
        Headers headers = message.getHeaders();
        if (headers != null && (headers.containsKey(OffloadWire.INPUT_REF) || headers.containsKey(OffloadWire.PARAMS_REF))) {
            // reading stored payloads blocks: not on the NATS dispatcher thread
            Thread.ofVirtual().name("capfabric-offload").start(() -> serve(nats, message, capability));
        } else {
            serve(nats, message, capability);
        }
    }

    /** Answers at once with a refusal this server decides (leaving, draining, too many offloaded jobs), counted as such. */
    private void refuse(Connection nats, MicroService.Request message, Capability capability, Outcome.Failed outcome) {
        reply(nats, message, refused(capability, outcome), "-");
    }

    private Outcome.Failed refused(Capability capability, Outcome.Failed outcome) {
        metrics.refused(capability.name(), JobMetrics.OFFLOAD, outcome.kind());
        return outcome;
    }

    /**
     * Queues the job and answers when it completes, from whichever thread completes it: no thread
     * waits for an offloaded job, which keeps the hop as short as a plain request/reply.
     */
    private void serve(Connection nats, MicroService.Request message, Capability capability) {
        Headers headers = message.getHeaders();
        String jobId = Optional.ofNullable(headers == null ? null : headers.getFirst(OffloadWire.JOB_ID))
                .filter(OffloadWire::validJobId).orElseGet(() -> UUID.randomUUID().toString());
        Job job;
        try {
            job = job(headers, message.getData(), capability, jobId);
        } catch (TooLarge e) {
            finish(nats, message, new Outcome.Failed(413, "too_large", e.getMessage(), local.nodeId(), Optional.empty(),
                    Optional.empty(), Map.of("max_input_bytes", e.limit)), jobId);
            return;
        } catch (BadOffload e) {
            finish(nats, message, refused(capability, Outcome.Failed.of(400, "bad_input", e.getMessage(), local.nodeId())), jobId);
            return;
        } catch (LargePayloads.StoreException e) {
            finish(nats, message, refused(capability, new Outcome.Failed(503, "unavailable", e.getMessage(), local.nodeId(),
                    Optional.empty(), Optional.of(Duration.ofSeconds(5)), Map.of())), jobId);
            return;
        } catch (RuntimeException e) {
            finish(nats, message, refused(capability, Outcome.Failed.of(400, "bad_input", "malformed offload request: " + e.getMessage(),
                    local.nodeId())), jobId);
            return;
        }
        if (job.timeLeft().isZero()) {
            // read after the deadline its sender gave it (this node starved, frozen or backlogged): the sender gave the attempt
            // up and may have sent the job elsewhere, so it is not started here
            finish(nats, message, refused(capability, Outcome.Failed.of(504, "timeout", "the job was read on node " + local.nodeId()
                    + " only after its deadline had passed; it was not started", local.nodeId())), jobId);
            return;
        }
        OffloadEventPublisher events = null;
        if (job.cancellation() instanceof CancellationFlag flag) {
            Held held = held(message, jobId);
            running.put(held, flag);
            if (cancelledEarly(held)) {
                flag.cancel();
            }
            events = eventsFor(nats, headers, held);
            if (events != null) {
                flag.follow(events);
            }
        }
        String caller = headers == null ? null : headers.getFirst(OffloadWire.CALLER);
        if (caller != null) {
            // audit: the key's name as the sending node vouches for it (a name, never a key)
            LOG.log(System.Logger.Level.INFO, "job {0} ({1}) of key {2} from node {3} runs here", jobId, capability.name(),
                    OffloadWire.printable(caller), OffloadWire.printable(headers.getFirst(OffloadWire.ORIGIN)));
        }
        OffloadEventPublisher published = events;
        switch (local.dispatcher().submit(job)) {
            case Dispatcher.Admission.Refused refused -> finish(nats, message, refused.outcome(), jobId, published);
            // given up at the deadline or just after it, never before: by the time the sender hears 504 (and may send the job
            // elsewhere), the provider sees the job abandoned, and drops it rather than finish it too
            case Dispatcher.Admission.Queued queued -> queued.outcome()
                    .orTimeout(job.timeLeft().toMillis() + 1, TimeUnit.MILLISECONDS)
                    .whenComplete((outcome, error) -> finish(nats, message, outcome != null ? outcome : failure(job, error), jobId,
                            published));
        }
    }

    /** The publisher of a job's events when its sender named an event subject (its caller follows the job); else null. */
    private OffloadEventPublisher eventsFor(Connection nats, Headers headers, Held held) {
        String token = headers == null ? null : headers.getFirst(OffloadWire.EVENTS);
        if (token == null || !OffloadWire.validEventsToken(token.strip()) || !dev.capfabric.kernel.config.NodeId.isValid(held.origin())) {
            return null;
        }
        return new OffloadEventPublisher(nats, subjects.offloadEvents(local.nodeId(), held.origin(), token.strip()));
    }

    private Outcome failure(Job job, Throwable error) {
        if (error instanceof TimeoutException) {
            if (job.cancellation() instanceof CancellationFlag flag) {
                flag.cancel();
            }
            return Outcome.Failed.of(504, "timeout", "the job did not finish before its deadline", local.nodeId());
        }
        LOG.log(System.Logger.Level.WARNING, "offloaded job " + job.id() + " failed", error);
        return Outcome.Failed.of(500, "internal", "node " + local.nodeId() + " failed the job: " + error, local.nodeId());
    }

    /** Answers and frees the job's slot; an output that must go by reference is stored off the worker thread. */
    private void finish(Connection nats, MicroService.Request message, Outcome outcome, String jobId) {
        finish(nats, message, outcome, jobId, null);
    }

    /** As {@link #finish(Connection, MicroService.Request, Outcome, String)}, ending the job's events first (when published). */
    private void finish(Connection nats, MicroService.Request message, Outcome outcome, String jobId, OffloadEventPublisher events) {
        boolean large = outcome instanceof Outcome.Served served && served.result().output().isPresent()
                && (long) served.result().output().get().size() + 2L * OffloadWire.HEADER_ROOM > nats.getMaxPayload();
        running.remove(held(message, jobId));
        Runnable answer = () -> {
            try {
                reply(nats, message, outcome, jobId, events);
            } finally {
                served.release();
            }
        };
        if (large) {
            Thread.ofVirtual().name("capfabric-offload-reply").start(answer);
        } else {
            answer.run();
        }
    }

    private Job job(Headers received, byte[] body, Capability capability, String jobId) throws BadOffload, LargePayloads.StoreException {
        // every header is optional: a client in any language may send just a body, as over HTTP
        Headers headers = received == null ? new Headers() : received;
        String named = headers.getFirst(OffloadWire.CAPABILITY);
        if (named != null && !named.equals(capability.name())) {
            throw new BadOffload("header " + OffloadWire.CAPABILITY + " '" + named + "' does not match the subject's capability " + capability);
        }
        DispatchSettings limits = local.dispatcher().settingsFor(capability);
        long timeoutMs = limits.defaultTimeout().toMillis();
        String timeout = headers.getFirst(OffloadWire.TIMEOUT_MS);
        if (timeout != null) {
            try {
                timeoutMs = Math.min(Long.parseLong(timeout.strip()), limits.maxTimeout().toMillis());
            } catch (NumberFormatException e) {
                throw new BadOffload(OffloadWire.TIMEOUT_MS + " must be a whole number of milliseconds");
            }
        }
        String mediaType = Optional.ofNullable(headers.getFirst(OffloadWire.CONTENT_TYPE)).orElse(Payload.OCTETS);
        Map<String, String> parameters;
        try {
            String inline = headers.getFirst(OffloadWire.PARAMS);
            String ref = headers.getFirst(OffloadWire.PARAMS_REF);
            parameters = inline != null ? OffloadWire.parameters(inline.getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                    : ref != null ? OffloadWire.parameters(payloads.get(ref))
                    // no parameters header: those of a JSON body, as over HTTP
                    : body != null && body.length > 0 && JsonParameters.isJson(new Payload(mediaType, new byte[0]).baseType()) ? JsonParameters.of(body)
                    : Map.of();
        } catch (JacksonException e) {
            throw new BadOffload(Json.malformed(e) + " in the job parameters");
        } catch (JsonParameters.Malformed e) {
            throw new BadOffload(e.getMessage());
        } catch (IOException e) {
            throw new BadOffload("unreadable job parameters: " + e.getMessage());
        }
        String inputRef = headers.getFirst(OffloadWire.INPUT_REF);
        if (inputRef != null) {
            // an input by reference is fetched only when some provider here takes its size
            long size = payloads.size(inputRef);
            long largest = local.dispatcher().maxInputBytes(capability, Optional.ofNullable(parameters.get("provider")));
            if (size > largest) {
                throw new TooLarge("input of " + size + " bytes is above the " + largest + "-byte limit of every usable "
                        + capability + " provider on node " + local.nodeId(), largest);
            }
        }
        byte[] input = inputRef != null ? payloads.get(inputRef) : body == null ? new byte[0] : body;
        // the deadline the sender set counts from its sending: a request read late (this node starved or frozen) has less left,
        // none when its sender already gave it up and may have sent it elsewhere
        Instant deadline = Instant.now().plusMillis(Math.max(0, timeoutMs) - waited(headers).toMillis());
        return new Job(jobId, capability, parameters, new Payload(mediaType, input), deadline, new CancellationFlag());
    }

    /** How long the request waited before it was read here, beyond the quickest delivery from its sender; zero when unknown. */
    private Duration waited(Headers headers) {
        String origin = headers.getFirst(OffloadWire.ORIGIN);
        String instance = headers.getFirst(OffloadWire.INSTANCE);
        String clock = headers.getFirst(OffloadWire.CLOCK);
        if (origin == null || instance == null || clock == null || !clock.strip().matches("-?\\d{1,18}")) {
            return Duration.ZERO;
        }
        return clocks.waited(origin.strip(), instance.strip(), Long.parseLong(clock.strip())).orElse(Duration.ZERO);
    }

    private void reply(Connection nats, MicroService.Request message, Outcome outcome, String jobId) {
        reply(nats, message, outcome, jobId, null);
    }

    private void reply(Connection nats, MicroService.Request message, Outcome outcome, String jobId, OffloadEventPublisher events) {
        Headers asked = message.getHeaders();
        String subject = message.getSubject();
        metrics.received(asked == null ? null : asked.getFirst(OffloadWire.ORIGIN), subject.substring(subject.lastIndexOf('.') + 1), outcome);
        Headers headers = new Headers().put(OffloadWire.NODE, outcome.node());
        byte[] body;
        try {
            body = switch (outcome) {
                case Outcome.Served served -> served(served, headers, jobId, nats.getMaxPayload());
                case Outcome.Failed failed -> failed(failed, headers);
            };
        } catch (LargePayloads.StoreException e) {
            headers = new Headers().put(OffloadWire.NODE, local.nodeId());
            body = failed(new Outcome.Failed(503, "unavailable", "the job ran but its result could not be sent back: " + e.getMessage(),
                    local.nodeId(), Optional.empty(), Optional.empty(), Map.of()), headers);
        }
        if (events != null) {
            events.close(headers);
        }
        try {
            message.respond(nats, body, headers);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not answer offloaded job " + jobId + " (the link may be down)", e);
        }
    }

    private byte[] served(Outcome.Served served, Headers headers, String jobId, long maxPayload) throws LargePayloads.StoreException {
        headers.put(OffloadWire.STATUS, "200").put(OffloadWire.PROVIDER, served.provider());
        Result result = served.result();
        byte[] body;
        if (result.output().isPresent()) {
            Payload output = result.output().get();
            headers.put(OffloadWire.RESULT, "payload").put(OffloadWire.CONTENT_TYPE, output.mediaType());
            if (!result.metadata().isEmpty()) {
                String metadata = OffloadWire.headerJson(result.metadata());
                if (metadata.length() <= OffloadWire.HEADER_JSON_LIMIT) {
                    headers.put(OffloadWire.METADATA, metadata);
                } else {
                    headers.put(OffloadWire.METADATA_REF, payloads.put(jobId, "metadata",
                            metadata.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
                }
            }
            body = output.bytes();
        } else {
            headers.put(OffloadWire.RESULT, "json");
            body = Json.bytes(result.metadata());
        }
        if ((long) body.length + headers.serializedLength() + OffloadWire.HEADER_ROOM > maxPayload) {
            headers.put(OffloadWire.OUTPUT_REF, payloads.put(jobId, "output", body));
            return new byte[0];
        }
        return body;
    }

    private static byte[] failed(Outcome.Failed failed, Headers headers) {
        headers.put(OffloadWire.STATUS, String.valueOf(failed.status()))
                .put(OffloadWire.RESULT, "error")
                .put(OffloadWire.KIND, failed.kind())
                .put(OffloadWire.SERVICE_ERROR, failed.kind())
                .put(OffloadWire.SERVICE_ERROR_CODE, String.valueOf(failed.status()));
        failed.provider().ifPresent(p -> headers.put(OffloadWire.PROVIDER, p));
        failed.retryAfter().ifPresent(wait -> headers.put(OffloadWire.RETRY_AFTER_MS, String.valueOf(wait.toMillis())));
        return Json.bytes(new OffloadWire.ErrorBody(failed.message(), failed.details()));
    }

    /** Stops taking offloaded jobs: the service leaves NATS; jobs already running still answer. */
    synchronized void stop() {
        stopped = true;
        service.stop();
    }

    /** Waits up to {@code timeout} for the offloaded jobs still running to answer. */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        if (served.tryAcquire(maxServed, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            served.release(maxServed);
            return true;
        }
        return false;
    }

    /** Offloaded jobs held now (running or queued here for other nodes). */
    int serving() {
        return maxServed - served.availablePermits();
    }

    /** The NATS service through which this node serves offloaded jobs. */
    MicroService service() {
        return service;
    }

    /** The jnats service API requires a semantic version; an unpackaged kernel ("dev") gets 0.0.0-dev. */
    static String semver(String version) {
        return version.matches("\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?") ? version
                : "0.0.0-" + version.replaceAll("[^0-9A-Za-z.-]", "-");
    }

    /** An offload request this node cannot turn into a job. */
    private static class BadOffload extends Exception {
        BadOffload(String message) {
            super(message, null, false, false);
        }
    }

    /** An offloaded input larger than any provider here takes: refused before it is fetched. */
    private static final class TooLarge extends BadOffload {
        private final long limit;

        TooLarge(String message, long limit) {
            super(message);
            this.limit = limit;
        }
    }
}
