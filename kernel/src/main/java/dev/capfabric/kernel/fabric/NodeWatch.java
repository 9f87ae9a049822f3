package dev.capfabric.kernel.fabric;

import io.nats.client.Connection;
import io.nats.client.JetStreamStatusException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Keeps an eye on the nodes this node waits for. Every sweep it logs status changes and ends the
 * attempts waiting on a node that went stale or gone, so their jobs are tried elsewhere. A node
 * killed outright sends no bye and goes stale only after three intervals; nodes holding this node's
 * jobs are checked sooner, at most once an interval: a caps request that meets no responders shows
 * the node is gone from NATS.
 */
final class NodeWatch {

    private static final System.Logger LOG = System.getLogger(NodeWatch.class.getName());

    private final NodeRegistry registry;
    private final OffloadClient client;
    private final Subjects subjects;
    private final Clock clock;
    private final Duration interval;
    private final Supplier<Optional<Connection>> link;
    private final Map<String, Instant> probed = new ConcurrentHashMap<>();

    NodeWatch(NodeRegistry registry, OffloadClient client, Subjects subjects, Clock clock, Duration interval,
              Supplier<Optional<Connection>> link) {
        this.registry = requireNonNull(registry, "registry is null");
        this.client = requireNonNull(client, "client is null");
        this.subjects = requireNonNull(subjects, "subjects is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.interval = requireNonNull(interval, "interval is null");
        this.link = requireNonNull(link, "link is null");
    }

    void sweep() {
        for (NodeRegistry.Transition change : registry.sweep()) {
            LOG.log(System.Logger.Level.INFO, "node {0}: {1} -> {2}", change.nodeId(), change.from().wireName(), change.to().wireName());
            // a node gone by its bye answered what it held first; the bye itself ends what remains
            if (change.to() == NodeStatus.STALE || (change.to() == NodeStatus.GONE && !registry.saidBye(change.nodeId()))) {
                client.abandon(change.nodeId(), "node " + change.nodeId() + " went " + change.to().wireName() + " before answering");
            }
        }
        probeWaitedOn();
    }

    private void probeWaitedOn() {
        Optional<Connection> nats = link.get();
        if (nats.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        for (String nodeId : client.waitingOn()) {
            Instant last = probed.get(nodeId);
            if (last != null && Duration.between(last, now).compareTo(interval) < 0) {
                continue;
            }
            probed.put(nodeId, now);
            nats.get().requestWithTimeout(subjects.caps(nodeId), null, interval).whenComplete((reply, error) -> {
                Throwable cause = error != null && error.getCause() != null ? error.getCause() : error;
                if ((reply != null && reply.isStatusMessage()) || cause instanceof JetStreamStatusException) {
                    LOG.log(System.Logger.Level.INFO, "node {0} holds jobs of this node but no longer answers on NATS", nodeId);
                    client.abandon(nodeId, "node " + nodeId + " disappeared from NATS before answering");
                }
            });
        }
        probed.keySet().retainAll(client.waitingOn());
    }
}
