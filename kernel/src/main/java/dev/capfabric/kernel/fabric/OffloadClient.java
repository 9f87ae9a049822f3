package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.config.NodeId;
import dev.capfabric.kernel.dispatch.CancellationFlag;
import dev.capfabric.kernel.dispatch.Outcome;
import dev.capfabric.kernel.http.Json;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.Result;
import dev.capfabric.kernel.auth.Caller;
import io.nats.client.Connection;
import io.nats.client.JetStreamStatusException;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.util.Objects.requireNonNull;

/**
 * Sends one job to one remote node and reads its answer. Tells an answer (served, or refused with a
 * status) from a failure before answering (no responders, no answer in time, node lost), which is
 * what decides whether another node is tried.
 *
 * <p>An attempt may be given less than the job's deadline ({@code budget}); the node is then told
 * that shorter deadline, so it drops the job by itself when the attempt is abandoned, and is also
 * sent a cancel at once. When this node's NATS link drops, every attempt in flight ends at once
 * ({@link #linkLost}); the nodes that may be running those jobs are sent a cancel when the link is
 * back ({@link #linkBack}).
 */
final class OffloadClient {

    private static final System.Logger LOG = System.getLogger(OffloadClient.class.getName());

    /** How one attempt ended. */
    sealed interface Attempt {
        /** The node answered, served or not. */
        record Answered(Outcome outcome) implements Attempt {
        }

        /** The node did not answer; {@code reason} says what happened instead. */
        record Unanswered(String reason, Why why) implements Attempt {
            /** Whether the job's own deadline passed while waiting. */
            boolean timedOut() {
                return why == Why.DEADLINE || why == Why.CANCELLED;
            }
        }
    }

    /** Why an attempt ended without an answer. */
    enum Why {
        /** The job's deadline passed. */
        DEADLINE,
        /** The attempt's own time ran out well before the deadline: the node is slower than ever seen, or frozen. */
        ATTEMPT_TIMEOUT,
        /** Nobody listens on the node's subject. */
        NO_RESPONDERS,
        /** The node went stale or disappeared from NATS. */
        NODE_LOST,
        /** The node said bye and closed without answering: no fault of the node's. */
        NODE_LEFT,
        /** This node's own NATS link dropped: no fault of the node's. */
        LINK_LOST,
        /** This node's caller went away. */
        CANCELLED,
        /** Another attempt of the same job (a hedge) answered first: no fault of the node's. */
        SUPERSEDED,
        /** The request itself failed. */
        FAILED;

        /** Whether the failure counts against the node's circuit. */
        boolean nodesFault() {
            return this != NODE_LEFT && this != LINK_LOST && this != CANCELLED && this != SUPERSEDED;
        }
    }

    /** A job made ready to send: references to stored payloads are deleted on close. */
    static final class Prepared implements AutoCloseable {
        private final String parameters;
        private final String parametersRef;
        private final String inputRef;
        private final byte[] body;
        private final List<String> stored;
        private final LargePayloads payloads;

        private Prepared(String parameters, String parametersRef, String inputRef, byte[] body, List<String> stored,
                         LargePayloads payloads) {
            this.parameters = parameters;
            this.parametersRef = parametersRef;
            this.inputRef = inputRef;
            this.body = body;
            this.stored = stored;
            this.payloads = payloads;
        }

        @Override
        public void close() {
            stored.forEach(payloads::delete);
        }
    }

    /** The attempt was ended from outside while it waited. */
    private static final class Ended extends Exception {
        final Why why;

        Ended(String message, Why why) {
            super(message, null, false, false);
            this.why = why;
        }
    }

    /** A job a node may be running for this node. */
    private record Held(String nodeId, String jobId) {
    }

    /**
     * How long past the deadline it was sent with a bounded attempt is still waited for. The node counts that deadline
     * from when it read the request, less the wait it can tell ({@link PeerClocks}), and it tells up to its heartbeat
     * batch too little (it reads heartbeats every twentieth of its interval, at most every 250 ms: {@link Fabric}). The
     * job goes elsewhere only once the node sees the attempt's deadline passed too, so a node that was frozen while
     * running it drops it on waking ({@link Job#abandoned()}) rather than finish a job now also run on another node.
     */
    static final Duration ANSWER_GRACE = Duration.ofMillis(300);

    /** The most cancels kept for when the link is back; more are dropped (their deadlines end those jobs anyway). */
    private static final int MAX_OWED_CANCELS = 10_000;

    private final String self;
    private final String instance;
    private final Subjects subjects;
    private final LargePayloads payloads;
    private final Map<String, Set<CompletableFuture<Message>>> pending = new ConcurrentHashMap<>();
    private final Map<CompletableFuture<Message>, Held> held = new ConcurrentHashMap<>();
    private final Set<Held> owedCancels = ConcurrentHashMap.newKeySet();

    /** @param instance this node's instance id: with the clock stamp on each request, what lets the other node see it waited */
    OffloadClient(String self, String instance, Subjects subjects, LargePayloads payloads) {
        this.self = requireNonNull(self, "self is null");
        this.instance = requireNonNull(instance, "instance is null");
        this.subjects = requireNonNull(subjects, "subjects is null");
        this.payloads = requireNonNull(payloads, "payloads is null");
    }

    /** Encodes a job; the input and parameters go by reference when they would not fit the max payload. */
    Prepared prepare(Connection nats, Job job) throws LargePayloads.StoreException {
        List<String> stored = new ArrayList<>();
        String parameters = OffloadWire.headerJson(job.parameters());
        String parametersRef = null;
        if (parameters.length() > OffloadWire.HEADER_JSON_LIMIT) {
            parametersRef = payloads.put(job.id(), "params", parameters.getBytes(StandardCharsets.US_ASCII));
            stored.add(parametersRef);
        }
        byte[] body = job.input().bytes();
        String inputRef = null;
        int headerBytes = parametersRef == null ? parameters.length() : 0;
        if ((long) body.length + headerBytes + OffloadWire.HEADER_ROOM > nats.getMaxPayload()) {
            inputRef = payloads.put(job.id(), "input", body);
            stored.add(inputRef);
            body = new byte[0];
        }
        return new Prepared(parametersRef == null ? parameters : null, parametersRef, inputRef, body, stored, payloads);
    }

    /** Sends the job to {@code nodeId} and waits for its answer until the job's deadline. */
    Attempt send(Connection nats, String nodeId, Job job, Prepared prepared) {
        return send(nats, nodeId, job, prepared, Optional.empty());
    }

    /**
     * Sends the job to {@code nodeId} and waits for its answer until the job's deadline or, when
     * {@code budget} is given and shorter, until the budget is spent; the node is told the shorter of
     * the two as the job's deadline.
     */
    Attempt send(Connection nats, String nodeId, Job job, Prepared prepared, Optional<Duration> budget) {
        return send(nats, nodeId, job, prepared, budget, new CompletableFuture<>());
    }

    /**
     * As {@link #send(Connection, String, Job, Prepared, Optional)}, and the attempt is given up as
     * soon as {@code withdrawn} completes (with the reason), whenever that is: before the job was sent
     * (it is then not sent), while it waits (the node is sent a cancel), or not at all. The attempt
     * then ends {@link Why#SUPERSEDED}, unless the node answered first.
     */
    Attempt send(Connection nats, String nodeId, Job job, Prepared prepared, Optional<Duration> budget,
                 CompletableFuture<String> withdrawn) {
        if (withdrawn.isDone()) {
            return new Attempt.Unanswered("withdrawn before it was sent to node " + nodeId + ": " + withdrawn.getNow(""), Why.SUPERSEDED);
        }
        Duration left = job.timeLeft();
        if (left.isZero()) {
            return new Attempt.Unanswered("the deadline passed before the job could be sent", Why.DEADLINE);
        }
        boolean bounded = budget.isPresent() && budget.get().compareTo(left) < 0;
        Duration wait = bounded ? budget.get() : left;
        Headers headers = new Headers()
                .put(OffloadWire.JOB_ID, job.id())
                .put(OffloadWire.ORIGIN, self)
                .put(OffloadWire.CAPABILITY, job.capability().name())
                .put(OffloadWire.TIMEOUT_MS, String.valueOf(wait.toMillis()))
                .put(OffloadWire.CONTENT_TYPE, job.input().mediaType());
        if (prepared.parameters != null) {
            headers.put(OffloadWire.PARAMS, prepared.parameters);
        } else {
            headers.put(OffloadWire.PARAMS_REF, prepared.parametersRef);
        }
        if (prepared.inputRef != null) {
            headers.put(OffloadWire.INPUT_REF, prepared.inputRef);
        }
        Caller caller = Caller.current();
        if (caller.isKey()) {
            headers.put(OffloadWire.CALLER, caller.keyId());
            headers.put(OffloadWire.ORIGIN, self);
            LOG.log(System.Logger.Level.INFO, "job {0} ({1}) of key {2} offloaded to node {3}", job.id(), job.capability().name(),
                    caller.keyId(), nodeId);
        }
        // the caller follows the job: the node is told where to publish its events, heard until it answers
        Optional<OffloadEventRelay> events = OffloadEventRelay.open(nats, subjects, self, nodeId, job);
        events.ifPresent(relay -> headers.put(OffloadWire.EVENTS, relay.token()));
        headers.put(OffloadWire.INSTANCE, instance).put(OffloadWire.CLOCK, String.valueOf(PeerClocks.stamp()));
        Message request = NatsMessage.builder()
                .subject(subjects.capability(nodeId, job.capability()))
                .headers(headers)
                .data(prepared.body)
                .build();
        // jnats' own timeout is no sooner than ours: its sweep of timed-out requests would otherwise give the attempt up early
        Duration patience = bounded ? Duration.ofMillis(Math.min(wait.plus(ANSWER_GRACE).toMillis(), left.toMillis() + 50))
                : wait.plus(Duration.ofMillis(50));
        CompletableFuture<Message> answer = nats.requestWithTimeout(request, patience);
        Set<CompletableFuture<Message>> waiting = pending.computeIfAbsent(nodeId, id -> ConcurrentHashMap.newKeySet());
        waiting.add(answer);
        held.put(answer, new Held(nodeId, job.id()));
        if (job.cancellation() instanceof CancellationFlag flag) {
            // our caller went away: the other node stops the job as if its own caller had, and we stop waiting
            flag.whenCancelled(() -> {
                if (!answer.isDone()) {
                    cancel(nats, nodeId, job.id());
                    answer.cancel(true);
                }
            });
        }
        // registered after the request left: a withdrawal at any moment before or after ends the wait, and the node hears a cancel
        withdrawn.thenAccept(reason -> answer.completeExceptionally(new Ended(reason, Why.SUPERSEDED)));
        try {
            Message reply = answer.get(patience.toMillis(), TimeUnit.MILLISECONDS);
            if (reply.isStatusMessage()) {
                return noResponders(nodeId, job);
            }
            if (events.isPresent()) {
                events.get().finish(reply);
            }
            return new Attempt.Answered(decode(reply, nodeId));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof JetStreamStatusException) {
                return noResponders(nodeId, job);
            }
            if (cause instanceof Ended ended) {
                if (ended.why == Why.NODE_LOST || ended.why == Why.SUPERSEDED) {
                    // stale, perhaps frozen (should it wake, it drops the job), or beaten by a hedge: the job is not wanted there
                    cancel(nats, nodeId, job.id());
                }
                return new Attempt.Unanswered(ended.getMessage(), ended.why);
            }
            if (cause instanceof CancellationException || cause instanceof TimeoutException) {
                return waitedOut(nats, nodeId, job, bounded, wait);
            }
            return new Attempt.Unanswered("request to node " + nodeId + " failed: " + cause, Why.FAILED);
        } catch (TimeoutException | CancellationException e) {
            return waitedOut(nats, nodeId, job, bounded, wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Attempt.Unanswered("interrupted while waiting for node " + nodeId, Why.FAILED);
        } catch (LargePayloads.StoreException e) {
            return new Attempt.Answered(new Outcome.Failed(502, "unavailable", "node " + nodeId + " served the job but its result "
                    + "could not be fetched: " + e.getMessage(), nodeId, Optional.empty(), Optional.empty(), Map.of()));
        } catch (IOException e) {
            return new Attempt.Answered(new Outcome.Failed(502, "internal", "node " + nodeId + " answered with a malformed reply: "
                    + e.getMessage(), nodeId, Optional.empty(), Optional.empty(), Map.of()));
        } finally {
            events.ifPresent(OffloadEventRelay::close);
            waiting.remove(answer);
            held.remove(answer);
            if (!answer.isDone()) {
                answer.cancel(true);
            }
        }
    }

    private Attempt waitedOut(Connection nats, String nodeId, Job job, boolean bounded, Duration wait) {
        if (job.cancellation().isCancelled()) {
            return new Attempt.Unanswered("the caller went away; node " + nodeId + " was told to stop the job", Why.CANCELLED);
        }
        if (bounded && !job.timeLeft().isZero()) {
            cancel(nats, nodeId, job.id());
            return new Attempt.Unanswered("node " + nodeId + " did not answer within " + wait.toMillis()
                    + " ms, well beyond the answer times seen from it; it was told to drop the job", Why.ATTEMPT_TIMEOUT);
        }
        return timedOut(nodeId);
    }

    /** Tells a node to stop a job; kept for later when the link is down. */
    private void cancel(Connection nats, String nodeId, String jobId) {
        try {
            if (nats.getStatus() == Connection.Status.CONNECTED) {
                nats.publish(subjects.cancel(nodeId, self), jobId.getBytes(StandardCharsets.US_ASCII));
                return;
            }
        } catch (RuntimeException e) {
            // the link dropped meanwhile: owe it
        }
        owe(new Held(nodeId, jobId));
    }

    private void owe(Held job) {
        if (owedCancels.size() < MAX_OWED_CANCELS) {
            owedCancels.add(job);
        }
    }

    /**
     * This node's NATS link dropped: every attempt in flight ends at once, as the answers could not
     * arrive anyway; the nodes holding those jobs are owed a cancel for when the link is back.
     */
    void linkLost() {
        Ended lost = new Ended("this node lost its NATS link while the job was offloaded", Why.LINK_LOST);
        held.forEach((answer, job) -> {
            if (answer.completeExceptionally(lost)) {
                owe(job);
            }
        });
    }

    /** The link is back: sends the cancels owed since it dropped. */
    void linkBack(Connection nats) {
        for (Held job : Set.copyOf(owedCancels)) {
            owedCancels.remove(job);
            nats.publish(subjects.cancel(job.nodeId(), self), job.jobId().getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** Cancels owed to nodes until the link is back. */
    int owedCancels() {
        return owedCancels.size();
    }

    private static Attempt noResponders(String nodeId, Job job) {
        return new Attempt.Unanswered("no responders: node " + nodeId + " does not serve " + job.capability() + " on NATS now",
                Why.NO_RESPONDERS);
    }

    private static Attempt timedOut(String nodeId) {
        return new Attempt.Unanswered("node " + nodeId + " did not answer before the job's deadline", Why.DEADLINE);
    }

    /** Ends every attempt waiting on {@code nodeId} as unanswered: the node was lost (stale, gone from NATS). */
    void abandon(String nodeId, String reason) {
        abandon(nodeId, reason, Why.NODE_LOST);
    }

    /** Ends every attempt waiting on {@code nodeId} as unanswered, with {@code reason} and {@code why}. */
    void abandon(String nodeId, String reason, Why why) {
        Set<CompletableFuture<Message>> waiting = pending.get(nodeId);
        if (waiting != null) {
            Ended ended = new Ended(reason, why);
            waiting.forEach(answer -> answer.completeExceptionally(ended));
        }
    }

    /** Nodes with attempts waiting now. */
    Set<String> waitingOn() {
        Set<String> nodes = new java.util.TreeSet<>();
        pending.forEach((node, waiting) -> {
            if (!waiting.isEmpty()) {
                nodes.add(node);
            }
        });
        return nodes;
    }

    private Outcome decode(Message reply, String nodeId) throws IOException, LargePayloads.StoreException {
        Headers headers = reply.getHeaders();
        if (headers == null || headers.getFirst(OffloadWire.STATUS) == null) {
            throw new IOException("no " + OffloadWire.STATUS + " header");
        }
        int status;
        try {
            status = Integer.parseInt(headers.getFirst(OffloadWire.STATUS).strip());
        } catch (NumberFormatException e) {
            throw new IOException("status '" + headers.getFirst(OffloadWire.STATUS) + "' is not a number");
        }
        String node = Optional.ofNullable(headers.getFirst(OffloadWire.NODE)).filter(NodeId::isValid).orElse(nodeId);
        Optional<String> provider = Optional.ofNullable(headers.getFirst(OffloadWire.PROVIDER));
        byte[] body = reply.getData() == null ? new byte[0] : reply.getData();
        String outputRef = headers.getFirst(OffloadWire.OUTPUT_REF);
        if (outputRef != null) {
            body = fetchAndDelete(outputRef);
        }
        if (status == 200) {
            Result result;
            if ("json".equals(headers.getFirst(OffloadWire.RESULT))) {
                result = Result.json(OffloadWire.object(body));
            } else {
                String contentType = Optional.ofNullable(headers.getFirst(OffloadWire.CONTENT_TYPE)).orElse(Payload.OCTETS);
                result = Result.of(new Payload(contentType, body), metadata(headers));
            }
            return new Outcome.Served(result, node, provider.orElse("-"));
        }
        OffloadWire.ErrorBody error = body.length == 0 ? null : Json.MAPPER.readValue(body, OffloadWire.ErrorBody.class);
        String kind = Optional.ofNullable(headers.getFirst(OffloadWire.KIND)).orElse("internal");
        Optional<Duration> retryAfter = Optional.ofNullable(headers.getFirst(OffloadWire.RETRY_AFTER_MS))
                .filter(ms -> ms.strip().matches("\\d{1,12}"))
                .map(ms -> Duration.ofMillis(Long.parseLong(ms.strip())));
        String message = error == null || error.message() == null ? "node " + node + " refused the job (" + status + ")" : error.message();
        Map<String, Object> details = error == null || error.details() == null ? Map.of() : error.details();
        return new Outcome.Failed(status, kind, message, node, provider, retryAfter, details);
    }

    private Map<String, Object> metadata(Headers headers) throws IOException, LargePayloads.StoreException {
        String inline = headers.getFirst(OffloadWire.METADATA);
        if (inline != null) {
            return OffloadWire.object(inline.getBytes(StandardCharsets.US_ASCII));
        }
        String ref = headers.getFirst(OffloadWire.METADATA_REF);
        return ref == null ? Map.of() : OffloadWire.object(fetchAndDelete(ref));
    }

    private byte[] fetchAndDelete(String ref) throws LargePayloads.StoreException {
        try {
            return payloads.get(ref);
        } finally {
            payloads.delete(ref);
        }
    }
}
