package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.config.NodeId;
import dev.capfabric.kernel.dispatch.CancellationFlag;
import dev.capfabric.kernel.dispatch.Outcome;
import dev.capfabric.kernel.http.Json;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.Result;
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
 */
final class OffloadClient {

    /** How one attempt ended. */
    sealed interface Attempt {
        /** The node answered, served or not. */
        record Answered(Outcome outcome) implements Attempt {
        }

        /** The node did not answer; {@code reason} says what happened instead. */
        record Unanswered(String reason, boolean timedOut) implements Attempt {
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

    /** The node was found dead while the attempt waited. */
    private static final class NodeLost extends Exception {
        NodeLost(String message) {
            super(message, null, false, false);
        }
    }

    private final String self;
    private final Subjects subjects;
    private final LargePayloads payloads;
    private final Map<String, Set<CompletableFuture<Message>>> pending = new ConcurrentHashMap<>();

    OffloadClient(String self, Subjects subjects, LargePayloads payloads) {
        this.self = requireNonNull(self, "self is null");
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
        Duration left = job.timeLeft();
        if (left.isZero()) {
            return new Attempt.Unanswered("the deadline passed before the job could be sent", true);
        }
        Headers headers = new Headers()
                .put(OffloadWire.JOB_ID, job.id())
                .put(OffloadWire.CAPABILITY, job.capability().name())
                .put(OffloadWire.TIMEOUT_MS, String.valueOf(left.toMillis()))
                .put(OffloadWire.CONTENT_TYPE, job.input().mediaType());
        if (prepared.parameters != null) {
            headers.put(OffloadWire.PARAMS, prepared.parameters);
        } else {
            headers.put(OffloadWire.PARAMS_REF, prepared.parametersRef);
        }
        if (prepared.inputRef != null) {
            headers.put(OffloadWire.INPUT_REF, prepared.inputRef);
        }
        Message request = NatsMessage.builder()
                .subject(subjects.capability(nodeId, job.capability()))
                .headers(headers)
                .data(prepared.body)
                .build();
        CompletableFuture<Message> answer = nats.requestWithTimeout(request, left);
        Set<CompletableFuture<Message>> waiting = pending.computeIfAbsent(nodeId, id -> ConcurrentHashMap.newKeySet());
        waiting.add(answer);
        if (job.cancellation() instanceof CancellationFlag flag) {
            // our caller went away: the other node stops the job as if its own caller had, and we stop waiting
            flag.whenCancelled(() -> {
                if (!answer.isDone()) {
                    nats.publish(subjects.cancel(nodeId), job.id().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    answer.cancel(true);
                }
            });
        }
        try {
            Message reply = answer.get(left.toMillis() + 50, TimeUnit.MILLISECONDS);
            if (reply.isStatusMessage()) {
                return noResponders(nodeId, job);
            }
            return new Attempt.Answered(decode(reply, nodeId));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof JetStreamStatusException) {
                return noResponders(nodeId, job);
            }
            if (cause instanceof NodeLost lost) {
                return new Attempt.Unanswered(lost.getMessage(), false);
            }
            if (cause instanceof CancellationException || cause instanceof TimeoutException) {
                if (job.cancellation().isCancelled()) {
                    return new Attempt.Unanswered("the caller went away; node " + nodeId + " was told to stop the job", true);
                }
                return timedOut(nodeId);
            }
            return new Attempt.Unanswered("request to node " + nodeId + " failed: " + cause, false);
        } catch (TimeoutException | CancellationException e) {
            if (job.cancellation().isCancelled()) {
                return new Attempt.Unanswered("the caller went away; node " + nodeId + " was told to stop the job", true);
            }
            return timedOut(nodeId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Attempt.Unanswered("interrupted while waiting for node " + nodeId, false);
        } catch (LargePayloads.StoreException e) {
            return new Attempt.Answered(new Outcome.Failed(502, "unavailable", "node " + nodeId + " served the job but its result "
                    + "could not be fetched: " + e.getMessage(), nodeId, Optional.empty(), Optional.empty(), Map.of()));
        } catch (IOException e) {
            return new Attempt.Answered(new Outcome.Failed(502, "internal", "node " + nodeId + " answered with a malformed reply: "
                    + e.getMessage(), nodeId, Optional.empty(), Optional.empty(), Map.of()));
        } finally {
            waiting.remove(answer);
            if (!answer.isDone()) {
                answer.cancel(true);
            }
        }
    }

    private static Attempt noResponders(String nodeId, Job job) {
        return new Attempt.Unanswered("no responders: node " + nodeId + " does not serve " + job.capability() + " on NATS now", false);
    }

    private static Attempt timedOut(String nodeId) {
        return new Attempt.Unanswered("node " + nodeId + " did not answer before the job's deadline", true);
    }

    /** Ends every attempt waiting on {@code nodeId} as unanswered, with {@code reason}. */
    void abandon(String nodeId, String reason) {
        Set<CompletableFuture<Message>> waiting = pending.get(nodeId);
        if (waiting != null) {
            NodeLost lost = new NodeLost(reason);
            waiting.forEach(answer -> answer.completeExceptionally(lost));
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
