package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.dispatch.CancellationFlag;
import dev.capfabric.kernel.http.JobEvent;
import dev.capfabric.kernel.http.Json;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.Result;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.NUID;
import io.nats.client.impl.Headers;

import java.io.IOException;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * On the node that offloads a job whose caller follows it: hears the job's progress and partial
 * results from the node running it and hands them to the job's follower (the caller's event stream),
 * in order, before the result.
 *
 * <p>The events arrive on a subject of their own, heard by a dispatcher of their own, so a caller who
 * reads slowly holds up nothing but its own job: at most {@value #PENDING_MESSAGES} events
 * ({@value #PENDING_BYTES} bytes) wait for it, and beyond that NATS drops them and counts them. The
 * follower hears, once, how many were left out on the way (here or on the running node), before the
 * result. Nothing is subscribed for a job that nobody follows.
 */
final class OffloadEventRelay implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(OffloadEventRelay.class.getName());

    static final int PENDING_MESSAGES = 1024;
    static final long PENDING_BYTES = 64L * 1024 * 1024;
    /** How long the result waits for events still being handed to a slow caller; later ones count as dropped. */
    private static final Duration HAND_OVER = Duration.ofSeconds(2);
    private static final TypeReference<Map<String, Object>> METADATA = new TypeReference<>() {
    };

    private final Connection nats;
    private final CancellationFlag flag;
    private final String token;
    private final Dispatcher dispatcher;
    private long handled; // guarded by this
    private int malformed; // guarded by this

    private OffloadEventRelay(Connection nats, CancellationFlag flag, String subject, String token) {
        this.nats = nats;
        this.flag = flag;
        this.token = token;
        this.dispatcher = nats.createDispatcher(this::relay);
        dispatcher.setPendingLimits(PENDING_MESSAGES, PENDING_BYTES);
        dispatcher.subscribe(subject);
    }

    /**
     * Subscribes to the events of {@code job}, about to be sent from node {@code self} to node
     * {@code runner}, when someone follows the job; empty otherwise (the request then names no event
     * subject, and the running node publishes nothing).
     */
    static Optional<OffloadEventRelay> open(Connection nats, Subjects subjects, String self, String runner, Job job) {
        requireNonNull(nats, "nats is null");
        if (!(job.cancellation() instanceof CancellationFlag flag) || !flag.streaming()) {
            return Optional.empty();
        }
        String token = NUID.nextGlobal();
        try {
            return Optional.of(new OffloadEventRelay(nats, flag, subjects.offloadEvents(runner, self, token), token));
        } catch (RuntimeException e) {
            // the link dropped meanwhile: the job still runs, its caller gets the result alone
            LOG.log(System.Logger.Level.DEBUG, "cannot follow the events of job {0}: {1}", job.id(), e.toString());
            return Optional.empty();
        }
    }

    /** The token to put in the request's {@value OffloadWire#EVENTS} header. */
    String token() {
        return token;
    }

    private void relay(Message message) {
        Headers headers = message.getHeaders();
        String name = headers == null ? null : headers.getFirst(OffloadWire.EVENT);
        try {
            switch (name == null ? "" : name) {
                case "progress" -> {
                    JsonNode progress = Json.MAPPER.readTree(message.getData());
                    flag.progress(progress.path("fraction").asDouble(), progress.path("message").asText(""));
                }
                case "partial" -> {
                    JsonNode partial = Json.MAPPER.readTree(message.getData());
                    flag.partial(partial.path("index").asInt(), piece(partial));
                }
                default -> {
                    // an event a newer node makes: not ours to relay
                }
            }
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                malformed++;
            }
        } finally {
            synchronized (this) {
                handled++;
                notifyAll();
            }
        }
    }

    /** The piece a {@code partial} event carries (see {@link JobEvent.Partial}). */
    private static Result piece(JsonNode partial) {
        Map<String, Object> metadata = partial.path("metadata").isObject()
                ? Json.MAPPER.convertValue(partial.get("metadata"), METADATA) : Map.of();
        if (!partial.path("data").isTextual()) {
            return Result.json(metadata);
        }
        String mediaType = partial.path("media_type").asText(Payload.OCTETS);
        return Result.of(new Payload(mediaType, Base64.getDecoder().decode(partial.get("data").asText())), metadata);
    }

    /**
     * The job's answer came: hands over the events the running node published before it (it says how
     * many in the reply) and then tells the follower how many were left out on the way. The events came
     * on the same connection before the reply, so they are here already: this waits only for a slow
     * caller to take them, at most {@link #HAND_OVER}.
     */
    void finish(Message reply) throws InterruptedException {
        Headers headers = reply.getHeaders();
        long sent = count(headers, OffloadWire.EVENTS_SENT);
        long droppedThere = count(headers, OffloadWire.EVENTS_DROPPED);
        long end = System.nanoTime() + HAND_OVER.toNanos();
        long droppedHere;
        synchronized (this) {
            while (handled + dispatcher.getDroppedCount() < sent && System.nanoTime() < end) {
                // NATS drops without telling: look again every few milliseconds
                wait(5);
            }
            droppedHere = Math.max(0, sent - handled) + malformed;
        }
        close();
        long dropped = droppedThere + droppedHere;
        if (dropped > 0) {
            flag.dropped((int) Math.min(Integer.MAX_VALUE, dropped));
        }
    }

    private static long count(Headers headers, String name) {
        String value = headers == null ? null : headers.getFirst(name);
        return value != null && value.strip().matches("\\d{1,9}") ? Long.parseLong(value.strip()) : 0;
    }

    /** Stops hearing the job's events. */
    @Override
    public void close() {
        if (dispatcher.isActive()) {
            try {
                nats.closeDispatcher(dispatcher);
            } catch (RuntimeException e) {
                // closed with the connection already
            }
        }
    }
}
