package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.http.Json;
import io.nats.client.Connection;
import io.nats.client.impl.Headers;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static java.util.Objects.requireNonNull;

/**
 * Publishes this node's heartbeat on {@code <prefix>.node.<id>.heartbeat}: load and capability
 * digest always, the full capabilities when they changed since the last heartbeat (or after a
 * reconnect, when peers may have missed them); and its {@code bye} on a graceful stop.
 */
final class HeartbeatPublisher {

    /**
     * The body of {@code <prefix>.node.<id>.bye}.
     *
     * @param nodeId the node leaving
     * @param sentAt when, by its clock
     */
    record Bye(String nodeId, String sentAt) {
    }

    private final LocalNode local;
    private final Subjects subjects;
    private final Duration interval;
    private final Clock clock;
    private final AtomicLong seq = new AtomicLong();
    private volatile String lastDigest;

    HeartbeatPublisher(LocalNode local, Subjects subjects, Duration interval, Clock clock) {
        this.local = requireNonNull(local, "local is null");
        this.subjects = requireNonNull(subjects, "subjects is null");
        this.interval = requireNonNull(interval, "interval is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** The heartbeat to send now; carries the full capabilities when they changed or {@code withCaps}. */
    synchronized Heartbeat next(boolean withCaps) {
        String digest = local.digest();
        boolean changed = !digest.equals(lastDigest);
        lastDigest = digest;
        return new Heartbeat(local.nodeId(), seq.getAndIncrement(), clock.instant().toString(), interval.toMillis(), digest,
                local.draining(), local.load(), changed || withCaps ? local.caps() : null);
    }

    /** Publishes a heartbeat. */
    void publish(Connection nats, boolean withCaps) {
        byte[] beat = Json.bytes(next(withCaps));
        // stamped last, as near its sending as can be: peers find from it how long this node's requests wait (PeerClocks)
        nats.publish(subjects.heartbeat(local.nodeId()), new Headers().put(OffloadWire.INSTANCE, local.instance())
                .put(OffloadWire.CLOCK, String.valueOf(PeerClocks.stamp())), beat);
    }

    /** Says bye: peers take this node out of routing at once. */
    void bye(Connection nats) {
        nats.publish(subjects.bye(local.nodeId()), Json.bytes(new Bye(local.nodeId(), clock.instant().toString())));
    }
}
