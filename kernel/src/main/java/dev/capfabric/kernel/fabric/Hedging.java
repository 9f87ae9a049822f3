package dev.capfabric.kernel.fabric;

import dev.capfabric.spi.Job;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * When an offloaded attempt gets a hedged second attempt, and where it goes ({@link FabricRoute} runs
 * both). An attempt is hedged once it has waited longer than the {@code quantile} of the answer times
 * this node saw from its node (at least {@value AnswerTimes#ENOUGH} of them: no history, no hedge),
 * provided that comes before the attempt's own time runs out. The hedge goes to the best ranked node,
 * among those that answered jobs of this node before, that has a free slot by what this node knows
 * (the jobs it has there plus those the node reports queued stay below its concurrency) and whose
 * expected wait fits in the job's time left; a fleet without a free slot gets no hedge. Each hedge
 * spends one token of the {@link HedgeBudget}; a job gets at most one (the caller's concern).
 */
final class Hedging {

    private final FabricSettings.HedgeSettings settings;
    private final AnswerTimes seen;
    private final HedgeBudget budget;

    Hedging(FabricSettings.HedgeSettings settings, AnswerTimes seen, Clock clock) {
        this.settings = requireNonNull(settings, "settings is null");
        this.seen = requireNonNull(seen, "seen is null");
        this.budget = new HedgeBudget(settings.maxFraction(), settings.window(), clock);
    }

    /** A job goes to the fabric: it adds to the hedges the budget allows. */
    void offloaded() {
        if (settings.enabled()) {
            budget.offloaded();
        }
    }

    /**
     * How long to wait for an attempt on {@code nodeId} before hedging it; empty when it is not to be
     * hedged (hedging off, too few answers seen from the node, or its attempt ends before that anyway).
     */
    Optional<Duration> after(String nodeId, Job job, Optional<Duration> attemptBudget) {
        if (!settings.enabled()) {
            return Optional.empty();
        }
        return seen.quantile(nodeId, job.capability().name(), settings.quantile())
                .map(q -> q.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : q)
                .filter(q -> attemptBudget.map(b -> q.compareTo(b) < 0).orElse(true) && q.compareTo(job.timeLeft()) < 0);
    }

    /**
     * The node for the hedge, best first among {@code ranking}'s order (which must hold no node on
     * probation nor the node of the first attempt), taking a token of the budget; empty when no node
     * has a free slot, the job's time left would not cover the wait there, or the budget is spent.
     */
    Optional<String> pick(NodeSelector.Ranking ranking, Function<String, Optional<RemoteNode>> nodes,
                          NodeSelector.Outstanding outstanding, Job job) {
        String capability = job.capability().name();
        for (String candidate : ranking.order()) {
            Optional<RemoteNode> node = nodes.apply(candidate);
            if (node.isEmpty() || !hasFreeSlot(node.get(), capability, outstanding.count(candidate, capability))) {
                continue;
            }
            double waitMillis = ranking.waits().getOrDefault(candidate, 0.0);
            if (job.timeLeft().toMillis() <= waitMillis || !budget.tryTake()) {
                return Optional.empty();
            }
            return Optional.of(candidate);
        }
        return Optional.empty();
    }

    /** Whether one more job would start at once on {@code node}, by what this node knows of it. */
    static boolean hasFreeSlot(RemoteNode node, String capability, int outstanding) {
        return Math.max(0, outstanding) + node.queueDepth(capability) < node.concurrency(capability);
    }
}
