package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.dispatch.Asked;
import dev.capfabric.kernel.node.CapabilitySummary;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Job;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

import static java.util.Objects.requireNonNull;

/**
 * Orders the remote nodes that could take a job, best first, and says for every other node that has
 * the capability why it was passed over.
 *
 * <p>A node qualifies when it is {@code ok}, has the provider the job names as a usable one, offers the
 * requested model, language and voice (see {@link Asked}) and its circuit is closed. Qualified nodes are ordered by expected wait:
 * (jobs this node sent them and has not had back + their reported queue depth + 1) / their
 * concurrency × their service time, where the service time is the larger of what the node reports
 * and the median answer time this node saw from it: a node cannot rank itself ahead by claiming to
 * be fast. Equal waits are ordered at random, so that many routers seeing the same idle fleet do not
 * all pick the same node.
 *
 * <p>A node that never answered a job of this node is on probation: while another node can take
 * the job, it gets one job at a time from this node until it answers one, so a node that takes jobs
 * and never answers holds at most one job of each router at once.
 */
final class NodeSelector {

    /** Jobs this node has sent to a node for a capability and not yet had back. */
    @FunctionalInterface
    interface Outstanding {
        int count(String nodeId, String capability);
    }

    /**
     * What a job asks of a node.
     *
     * @param capability the capability
     * @param asked      the model, language and voice it names
     * @param provider   the provider it must run on (its {@code provider} parameter: a model alias that
     *                   stands for one provider names it), if any
     * @param inputBytes the size of its input
     */
    record Ask(Capability capability, Asked asked, Optional<String> provider, long inputBytes) {
        Ask {
            requireNonNull(capability, "capability is null");
            requireNonNull(asked, "asked is null");
            requireNonNull(provider, "provider is null");
        }

        Ask(Capability capability, Optional<String> model, Optional<String> language) {
            this(capability, new Asked(model, language, Optional.empty()), Optional.empty(), 0);
        }

        static Ask of(Job job) {
            return new Ask(job.capability(), Asked.of(job), job.parameter("provider"), job.input().size());
        }

        /** Whether the job asks for a provider, model, language or voice in particular. */
        boolean any() {
            return provider.isPresent() || asked.any();
        }

        /** The ask as error details: {@code provider}, {@code model}, {@code language}, {@code voice} where given. */
        Map<String, Object> details() {
            Map<String, Object> details = new LinkedHashMap<>();
            provider.ifPresent(p -> details.put("provider", p));
            details.putAll(asked.details());
            return details;
        }

        /** The ask for a message, such as {@code " (provider whisper) (model huge)"}; empty when nothing is asked. */
        String describe() {
            return provider.map(p -> " (provider " + p + ")").orElse("") + asked.describe();
        }
    }

    /**
     * The outcome of ranking.
     *
     * @param order   qualified node ids, best first
     * @param waits   the expected wait of each qualified node, milliseconds
     * @param skipped every other node with the capability, and why it was passed over
     */
    record Ranking(List<String> order, Map<String, Double> waits, Map<String, String> skipped, java.util.Set<String> probation) {
        Ranking {
            order = List.copyOf(order);
            waits = Map.copyOf(waits);
            skipped = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(skipped));
            probation = java.util.Set.copyOf(probation);
        }

        Ranking(List<String> order, Map<String, Double> waits, Map<String, String> skipped) {
            this(order, waits, skipped, java.util.Set.of());
        }
    }

    private final CircuitBreakers breakers;
    private final RandomGenerator random;
    private final AnswerTimes seen;

    NodeSelector(CircuitBreakers breakers, RandomGenerator random) {
        this(breakers, random, null);
    }

    /** @param seen what this node observed of its peers; null to trust what they report (and put none on probation) */
    NodeSelector(CircuitBreakers breakers, RandomGenerator random, AnswerTimes seen) {
        this.breakers = requireNonNull(breakers, "breakers is null");
        this.random = requireNonNull(random, "random is null");
        this.seen = seen;
    }

    /**
     * Ranks {@code nodes} for a job.
     *
     * @param excluded nodes not to use for this job, with the reason (already tried and failed)
     */
    Ranking rank(Ask ask, Collection<RemoteNode> nodes, Outstanding outstanding, Map<String, String> excluded) {
        return rank(ask, nodes, outstanding, excluded, 0);
    }

    /**
     * Ranks {@code nodes} for a job.
     *
     * @param excluded       nodes not to use for this job, with the reason (already tried and failed)
     * @param probationTried how many nodes on probation the job tried already: after one, it goes to nodes
     *                       that answered before whenever one qualifies; after two, only to those
     */
    Ranking rank(Ask ask, Collection<RemoteNode> nodes, Outstanding outstanding, Map<String, String> excluded, int probationTried) {
        boolean allowProbation = probationTried < 2;
        String capability = ask.capability().name();
        record Scored(String nodeId, double expectedWait, long tieBreak) {
        }
        List<Scored> qualified = new ArrayList<>();
        Map<String, String> skipped = new LinkedHashMap<>();
        java.util.Set<String> probation = new java.util.HashSet<>();
        List<Scored> deferred = new ArrayList<>();
        Map<String, String> deferredWhy = new LinkedHashMap<>();
        for (RemoteNode node : nodes) {
            if (!node.has(capability)) {
                continue;
            }
            Optional<String> reason = skipReason(ask, node, excluded);
            if (reason.isPresent()) {
                skipped.put(node.nodeId(), reason.get());
                continue;
            }
            int held = outstanding.count(node.nodeId(), capability);
            if (seen != null && !seen.everAnswered(node.nodeId())) {
                if (!allowProbation) {
                    skipped.put(node.nodeId(), "on probation: never answered a job of this node, and this job already tried such nodes");
                    continue;
                }
                probation.add(node.nodeId());
                if (held > 0) {
                    deferred.add(new Scored(node.nodeId(), expectedWait(node, capability, held, 0), random.nextLong()));
                    deferredWhy.put(node.nodeId(), "on probation: never answered a job of this node, and holds one already");
                    continue;
                }
            }
            qualified.add(new Scored(node.nodeId(), expectedWait(node, capability, held, observedMillis(node.nodeId(), capability)),
                    random.nextLong()));
        }
        if (probationTried >= 1 && qualified.stream().anyMatch(q -> !probation.contains(q.nodeId()))) {
            // one untried newcomer per job while a node that answered before can take it
            qualified.removeIf(q -> {
                if (probation.contains(q.nodeId())) {
                    skipped.put(q.nodeId(), "on probation: never answered a job of this node, and this job already tried such a node");
                    return true;
                }
                return false;
            });
            deferred.forEach(d -> skipped.put(d.nodeId(), deferredWhy.get(d.nodeId())));
        } else if (qualified.isEmpty()) {
            qualified.addAll(deferred); // nobody else can take it: probation holds back nobody
        } else {
            skipped.putAll(deferredWhy);
        }
        qualified.sort(Comparator.comparingDouble(Scored::expectedWait).thenComparingLong(Scored::tieBreak));
        Map<String, Double> waits = new LinkedHashMap<>();
        qualified.forEach(s -> waits.put(s.nodeId(), s.expectedWait()));
        return new Ranking(qualified.stream().map(Scored::nodeId).toList(), waits, skipped, probation);
    }

    private double observedMillis(String nodeId, String capability) {
        return seen == null ? 0 : seen.median(nodeId, capability).map(Duration::toMillis).orElse(0L);
    }

    /** Expected wait for one more job on {@code node}, milliseconds, by what it reports alone. */
    static double expectedWait(RemoteNode node, String capability, int outstanding) {
        return expectedWait(node, capability, outstanding, 0);
    }

    /** Expected wait for one more job on {@code node}, milliseconds, its service time at least {@code observedMillis}. */
    static double expectedWait(RemoteNode node, String capability, int outstanding, double observedMillis) {
        double ahead = Math.max(0, outstanding) + node.queueDepth(capability) + 1;
        return ahead / node.concurrency(capability) * Math.max(node.serviceMillis(capability), observedMillis);
    }

    private Optional<String> skipReason(Ask ask, RemoteNode node, Map<String, String> excluded) {
        String tried = excluded.get(node.nodeId());
        if (tried != null) {
            return Optional.of(tried);
        }
        switch (node.status()) {
            case OK -> {
            }
            case STALE -> {
                return Optional.of("stale: not heard for " + node.age().map(NodeSelector::seconds).orElse("?") + " s");
            }
            case GONE -> {
                return Optional.of("gone: left the fabric or silent too long");
            }
            case DRAINING -> {
                return Optional.of("draining: finishing its jobs, taking no new ones");
            }
            case UNKNOWN -> {
                return Optional.of("unknown: never heard");
            }
        }
        Optional<String> mismatch = mismatch(node.capabilities().get(ask.capability().name()), ask);
        if (mismatch.isPresent()) {
            return mismatch;
        }
        Optional<Duration> open = breakers.openFor(node.nodeId());
        if (open.isPresent()) {
            return Optional.of("circuit open after repeated failures, for " + Math.max(1, open.get().toSeconds()) + " s more");
        }
        return Optional.empty();
    }

    /** Why a node's capability does not fit what the job asks (input size, provider, model, language, voice); empty when it fits. */
    static Optional<String> mismatch(CapabilitySummary summary, Ask ask) {
        if (summary.maxInputBytes() > 0 && ask.inputBytes() > summary.maxInputBytes()) {
            return Optional.of("takes inputs up to " + summary.maxInputBytes() + " bytes; this one has " + ask.inputBytes());
        }
        if (ask.provider().isPresent() && !summary.providers().contains(ask.provider().get())) {
            return Optional.of("has no usable provider '" + ask.provider().get() + "' (has " + summary.providers() + ")");
        }
        return ask.asked().mismatch(summary.models(), summary.languages(), summary.voices());
    }

    private static String seconds(double age) {
        return String.valueOf(Math.round(age * 10) / 10.0);
    }
}
