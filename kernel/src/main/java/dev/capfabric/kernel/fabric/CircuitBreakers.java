package dev.capfabric.kernel.fabric;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import static java.util.Objects.requireNonNull;

/**
 * One circuit per remote node: {@code failures} failures within {@code window} open it, and an open
 * circuit keeps jobs away from the node for {@code openFor}. An answer from the node clears its count.
 * Time comes from the injected clock.
 */
final class CircuitBreakers {

    private final FabricSettings.BreakerSettings settings;
    private final Clock clock;
    private final Map<String, Circuit> circuits = new ConcurrentHashMap<>();

    CircuitBreakers(FabricSettings.BreakerSettings settings, Clock clock) {
        this.settings = requireNonNull(settings, "settings is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** One node's failures and, when open, until when. Guarded by itself. */
    private static final class Circuit {
        final Deque<Instant> failures = new ArrayDeque<>();
        Instant openUntil = Instant.MIN;
    }

    /** Counts a failure of the node before it answered; returns whether this opened its circuit. */
    boolean failure(String nodeId) {
        Instant now = clock.instant();
        Circuit circuit = circuits.computeIfAbsent(nodeId, id -> new Circuit());
        synchronized (circuit) {
            if (now.isBefore(circuit.openUntil)) {
                return false;
            }
            circuit.failures.addLast(now);
            Instant horizon = now.minus(settings.window());
            while (!circuit.failures.isEmpty() && !circuit.failures.peekFirst().isAfter(horizon)) {
                circuit.failures.removeFirst();
            }
            if (circuit.failures.size() >= settings.failures()) {
                circuit.failures.clear();
                circuit.openUntil = now.plus(settings.openFor());
                return true;
            }
            return false;
        }
    }

    /** The node answered: its earlier failures no longer count. */
    void success(String nodeId) {
        Circuit circuit = circuits.get(nodeId);
        if (circuit != null) {
            synchronized (circuit) {
                circuit.failures.clear();
            }
        }
    }

    /** How long the node's circuit stays open; empty when it is closed. */
    Optional<Duration> openFor(String nodeId) {
        Circuit circuit = circuits.get(nodeId);
        if (circuit == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        synchronized (circuit) {
            return now.isBefore(circuit.openUntil) ? Optional.of(Duration.between(now, circuit.openUntil)) : Optional.empty();
        }
    }

    /** Forgets a node that left the registry. */
    void forget(String nodeId) {
        circuits.remove(nodeId);
    }
}
