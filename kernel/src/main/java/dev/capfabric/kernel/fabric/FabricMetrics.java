package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.config.NodeId;
import dev.capfabric.kernel.dispatch.JobMetrics;
import dev.capfabric.kernel.dispatch.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static java.util.Objects.requireNonNull;

/**
 * The fabric's meters: offloads sent ({@code capfabric_offloads_sent_total{node, capability, outcome}})
 * and received ({@code capfabric_offloads_received_total{origin, capability, outcome}}), each peer's
 * circuit ({@code capfabric_fabric_breaker_open{node}}, 1 while open), hedged second attempts sent
 * ({@code capfabric_fabric_hedges_sent_total{node, capability}}, by the node the hedge went to) and those
 * whose answer was the one used ({@code capfabric_fabric_hedges_won_total{node, capability}}), and refusals decided by the
 * fabric route or the offload server (through {@link JobMetrics#refused(String, String, String)}).
 *
 * <p>Outcomes are a fixed set — {@code served}, {@code refused} (answered 429 or 503), {@code failed}
 * (any other error answer), and for sent offloads {@code unanswered}, {@code timeout} and {@code superseded}
 * (given up because another attempt of the job answered first) — so a peer
 * cannot grow the number of series with made-up error kinds. An origin that is not a node id (a
 * non-capfabric client) is counted as {@code external}.
 */
final class FabricMetrics {

    private final JobMetrics jobs;
    private final MeterRegistry registry;
    private final Map<Key, Counter> counters = new ConcurrentHashMap<>();
    private final Set<String> watchedBreakers = ConcurrentHashMap.newKeySet();

    private record Key(String name, String peer, String capability, String outcome) {
    }

    FabricMetrics(JobMetrics jobs) {
        this.jobs = requireNonNull(jobs, "jobs is null");
        this.registry = jobs.registry();
    }

    /** The registry the fabric's own gauges go to. */
    MeterRegistry registry() {
        return registry;
    }

    void refused(String capability, String stage, String reason) {
        jobs.refused(capability, stage, reason);
    }

    /** One attempt to offload a job to {@code node} ended with {@code outcome} ({@link #outcome(Outcome)}, or unanswered/timeout). */
    void sent(String node, String capability, String outcome) {
        count("capfabric.offloads.sent", "node", node, capability, outcome, "Jobs this node offloaded, by peer node and outcome");
    }

    /** A hedged second attempt of a job was sent to {@code node}. */
    void hedgeSent(String node, String capability) {
        hedge("capfabric.fabric.hedges.sent", node, capability, "Hedged second attempts this node sent, by the node they went to");
    }

    /** The hedge sent to {@code node} answered first, and its answer was the job's. */
    void hedgeWon(String node, String capability) {
        hedge("capfabric.fabric.hedges.won", node, capability, "Hedged second attempts whose answer was used, by the node that gave it");
    }

    private void hedge(String name, String node, String capability, String description) {
        counters.computeIfAbsent(new Key(name, node, capability, ""), key -> Counter.builder(key.name())
                        .description(description)
                        .tag("node", key.peer())
                        .tag("capability", key.capability())
                        .register(registry))
                .increment();
    }

    /** One offloaded job from {@code origin} was answered with {@code outcome}. */
    void received(String origin, String capability, Outcome outcome) {
        String peer = origin != null && NodeId.isValid(origin) ? origin : "external";
        count("capfabric.offloads.received", "origin", peer, capability, outcome(outcome),
                "Offloaded jobs this node answered, by sending node and outcome");
    }

    /** An answer's outcome tag. */
    static String outcome(Outcome outcome) {
        return switch (outcome) {
            case Outcome.Served ignored -> "served";
            case Outcome.Failed failed -> failed.status() == 429 || failed.status() == 503 ? "refused" : "failed";
        };
    }

    /** Shows {@code node}'s circuit on /metrics from now on (once per node). */
    void watchBreaker(String node, CircuitBreakers breakers) {
        if (watchedBreakers.add(node)) {
            Gauge.builder("capfabric.fabric.breaker.open", breakers, b -> b.openFor(node).isPresent() ? 1 : 0)
                    .description("Whether this node's circuit to a peer is open (1): jobs stay away from that peer")
                    .tag("node", node)
                    .register(registry);
        }
    }

    private void count(String name, String peerTag, String peer, String capability, String outcome, String description) {
        counters.computeIfAbsent(new Key(name, peer, capability, outcome), key -> Counter.builder(key.name())
                        .description(description)
                        .tag(peerTag, key.peer())
                        .tag("capability", key.capability())
                        .tag("outcome", key.outcome())
                        .register(registry))
                .increment();
    }
}
