package dev.capfabric.kernel.fabric;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import static java.util.Objects.requireNonNull;

/**
 * How long a message of another node waited before this node read it, found without comparing wall
 * clocks (they differ from node to node, and may be stepped). Each node stamps its heartbeats and
 * offload requests with its own monotonic clock ({@link OffloadWire#CLOCK}). For each peer (and
 * instance: a restarted node has another clock) this node keeps, over the peer's last {@value #KEPT}
 * heartbeats, the least difference between its own monotonic clock when it read one and the stamp the
 * heartbeat carried: the two clocks' offset plus the quickest delivery seen. A request stamped by the
 * same peer waited, beyond that quickest delivery, what its own difference exceeds the least one by.
 *
 * <p>A node that reads its messages late (starved of CPU, frozen) reads its peers' heartbeats late
 * too, which can only make the least difference larger and a wait look shorter: the estimate errs
 * towards a job running, never towards dropping one that is still wanted. Heartbeats are read in
 * batches, so the least difference holds up to a batch of that too; a sender waits that much past an
 * attempt's deadline before it sends the job elsewhere ({@link OffloadClient#ANSWER_GRACE}), so the
 * node has seen the deadline pass by then and does not finish the job too.
 */
final class PeerClocks {

    /** Heartbeats kept per peer. */
    static final int KEPT = 16;

    private final LongSupplier millis;
    private final Map<String, Offsets> peers = new ConcurrentHashMap<>();

    /** @param monotonicMillis this node's monotonic clock, milliseconds (the stamps it puts on its own messages) */
    PeerClocks(LongSupplier monotonicMillis) {
        this.millis = requireNonNull(monotonicMillis, "monotonicMillis is null");
    }

    /** A clock on {@link System#nanoTime()}. */
    static PeerClocks system() {
        return new PeerClocks(PeerClocks::stamp);
    }

    /** This node's monotonic clock now, as it stamps its messages. */
    static long stamp() {
        return System.nanoTime() / 1_000_000;
    }

    /** The offsets seen from one instance of a peer, the last {@value #KEPT}. Guarded by itself. */
    private static final class Offsets {
        final String instance;
        final long[] kept = new long[KEPT];
        int next;
        int size;

        Offsets(String instance) {
            this.instance = instance;
        }

        synchronized void add(long offset) {
            kept[next] = offset;
            next = (next + 1) % KEPT;
            size = Math.min(KEPT, size + 1);
        }

        synchronized long least() {
            return Arrays.stream(kept, 0, size).min().orElseThrow();
        }
    }

    /** A heartbeat of {@code nodeId} (instance {@code instance}) stamped {@code stamp} was read now. */
    void heard(String nodeId, String instance, long stamp) {
        long offset = millis.getAsLong() - stamp;
        Offsets offsets = peers.compute(nodeId, (id, known) -> known == null || !known.instance.equals(instance)
                ? new Offsets(instance) : known);
        offsets.add(offset);
    }

    /**
     * How long a message that {@code nodeId} (instance {@code instance}) stamped {@code stamp} waited
     * beyond the quickest delivery seen; empty when nothing is known of that instance's clock.
     */
    Optional<Duration> waited(String nodeId, String instance, long stamp) {
        Offsets offsets = peers.get(nodeId);
        if (offsets == null || !offsets.instance.equals(instance)) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofMillis(Math.max(0, millis.getAsLong() - stamp - offsets.least())));
    }

    /** Forgets a node (it left the registry). */
    void forget(String nodeId) {
        peers.remove(nodeId);
    }
}
