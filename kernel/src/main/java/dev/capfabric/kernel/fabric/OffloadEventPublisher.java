package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.dispatch.JobEvents;
import dev.capfabric.kernel.http.JobEvent;
import dev.capfabric.kernel.http.Json;
import dev.capfabric.spi.Result;
import io.nats.client.Connection;
import io.nats.client.impl.Headers;

import static java.util.Objects.requireNonNull;

/**
 * On the node that runs an offloaded job: publishes the job's progress and partial results to the
 * node that sent it, on the event subject it named (see {@link OffloadWire}), in the order the
 * provider made them. Bounded: at most {@value #MAX_EVENTS} events and {@value #MAX_BYTES} bytes per
 * job, each within the max payload; what does not fit is counted, never queued, so a provider is
 * never held up by its remote follower. Publishing ends with the job's reply ({@link #close}).
 */
final class OffloadEventPublisher implements JobEvents {

    /** Events per job: a provider reporting progress in a tight loop must not flood the link. */
    static final int MAX_EVENTS = 10_000;
    /** Bytes per job: the final result carries every piece again, so the pieces are a preview, not the answer. */
    static final long MAX_BYTES = 64L * 1024 * 1024;

    private final Connection nats;
    private final String subject;
    // guarded by this
    private int partials;
    private int sent;
    private long bytes;
    private int dropped;
    private boolean closed;

    OffloadEventPublisher(Connection nats, String subject) {
        this.nats = requireNonNull(nats, "nats is null");
        this.subject = requireNonNull(subject, "subject is null");
    }

    @Override
    public synchronized void progress(double fraction, String message) {
        publish(new JobEvent.Progress(fraction, message));
    }

    @Override
    public synchronized void partial(Result piece) {
        // the index counts pieces left out too, so the sender sees the gap
        publish(JobEvent.Partial.of(partials++, piece));
    }

    private void publish(JobEvent event) {
        if (closed) {
            return;
        }
        byte[] body = Json.bytes(event);
        if (sent >= MAX_EVENTS || bytes + body.length > MAX_BYTES || (long) body.length + OffloadWire.HEADER_ROOM > nats.getMaxPayload()) {
            dropped++;
            return;
        }
        try {
            nats.publish(subject, new Headers().put(OffloadWire.EVENT, event.name()), body);
            sent++;
            bytes += body.length;
        } catch (RuntimeException e) {
            // the link is down or its outgoing queue full: an event lost is the follower's gap, not the job's failure
            dropped++;
        }
    }

    /** Stops publishing (the reply follows) and puts into {@code reply} how many events were published and left out. */
    synchronized void close(Headers reply) {
        closed = true;
        reply.put(OffloadWire.EVENTS_SENT, String.valueOf(sent));
        if (dropped > 0) {
            reply.put(OffloadWire.EVENTS_DROPPED, String.valueOf(dropped));
        }
    }
}
