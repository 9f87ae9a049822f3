package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.auth.Caller;
import dev.capfabric.kernel.config.NodeId;
import dev.capfabric.kernel.dispatch.Asked;
import dev.capfabric.kernel.dispatch.Dispatcher;
import dev.capfabric.kernel.dispatch.JobMetrics;
import dev.capfabric.kernel.dispatch.JobRoute;
import dev.capfabric.kernel.dispatch.LocalRoute;
import dev.capfabric.kernel.dispatch.Outcome;
import dev.capfabric.kernel.node.CapabilitySummary;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.JobPart;
import io.nats.client.Connection;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Routes a job across the fabric (DESIGN.md, "Routing a capability request"):
 * <ol>
 *     <li>a pinned node ({@code X-Capfabric-Node}) gets the job, or the caller a clear error;</li>
 *     <li>else this node runs it when it has a usable provider offering what the job asks and queue headroom;
 *     a part of a split job ({@link JobPart}) runs here only on a free slot, else on the remote node with
 *     the lowest expected wait, and waits in this node's queue only when no other node takes it;</li>
 *     <li>else the remote node with the lowest expected wait gets it ({@link NodeSelector});</li>
 *     <li>a node that fails before answering (no responders, no answer, 503, or busy with 429) is
 *     replaced once by the next best while the deadline allows, and counts towards its circuit breaker;
 *     an attempt waits no longer than the node's answers seen so far justify ({@link AnswerTimes}), so a
 *     frozen node costs a job one short attempt, not its deadline; a node that never answered a job
 *     here (on probation) may take one extra attempt (two when no other node qualifies), which does
 *     not count against the two and may use at most half the time left;</li>
 *     <li>a first attempt that outlasts most answers of its node ({@link Hedging}: by default its p95) gets
 *     a hedged second attempt on the next best node with a free slot, within a budget of a share of the
 *     jobs ({@link HedgeBudget}); the first answer wins, the other attempt is withdrawn (its node is sent a
 *     cancel) and not counted against its node's circuit. The hedge is the job's second attempt: a job
 *     goes to at most two nodes that answered before. A pinned job is never hedged;</li>
 *     <li>when this node's NATS link drops, offloaded jobs end at once with 503 and {@code Retry-After}:
 *     the node holding them may be running them, so they are not run again here (that node is told to
 *     stop them once the link is back);</li>
 *     <li>when no node can serve now: 503 with {@code Retry-After} and, for every node with the capability,
 *     why it was passed over; when no node offers the model, language or voice the job names at all,
 *     422 {@code not_offered} without {@code Retry-After}, since asking again cannot help.</li>
 * </ol>
 * Jobs that arrive from other nodes never come through here: they run locally only, so a job is
 * offloaded at most once per attempt and never loops.
 */
final class FabricRoute implements JobRoute {

    private static final int MAX_ATTEMPTS = 2;
    private static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(5);
    private static final Duration LINK_RETRY_AFTER = Duration.ofSeconds(2);

    private final LocalNode local;
    private final NodeRegistry registry;
    private final NodeSelector selector;
    private final CircuitBreakers breakers;
    private final OffloadClient client;
    private final AnswerTimes seen;
    private final Supplier<Optional<Connection>> link;
    private final FabricMetrics metrics;
    private final Hedging hedging;
    private final Map<String, AtomicInteger> outstanding = new ConcurrentHashMap<>();
    private final Object partAdmission = new Object();

    /**
     * @param seen    what this node observed of its peers: attempts are bounded by it and feed it
     * @param link    the NATS connection while it is up, empty while it is down
     * @param hedging when a slow attempt gets a second one
     */
    FabricRoute(LocalNode local, NodeRegistry registry, NodeSelector selector, CircuitBreakers breakers, OffloadClient client,
                AnswerTimes seen, Supplier<Optional<Connection>> link, FabricMetrics metrics, Hedging hedging) {
        this.local = requireNonNull(local, "local is null");
        this.registry = requireNonNull(registry, "registry is null");
        this.selector = requireNonNull(selector, "selector is null");
        this.breakers = requireNonNull(breakers, "breakers is null");
        this.client = requireNonNull(client, "client is null");
        this.seen = requireNonNull(seen, "seen is null");
        this.link = requireNonNull(link, "link is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.hedging = requireNonNull(hedging, "hedging is null");
    }

    /** A refusal this route decides (no node can serve, a pinned node out of reach ...), counted as such. */
    private Outcome.Failed refused(Job job, Outcome.Failed outcome) {
        metrics.refused(job.capability().name(), JobMetrics.FABRIC, outcome.kind());
        return outcome;
    }

    @Override
    public Outcome run(Job job, Optional<String> pinnedNode) {
        if (pinnedNode.isPresent()) {
            return pinned(job, pinnedNode.get());
        }
        long largest = maxInputBytes(job.capability(), job.parameter("provider"));
        if (largest > 0 && job.input().size() > largest) {
            return new Outcome.Failed(413, "too_large", "input of " + job.input().size() + " bytes is above the " + largest
                    + "-byte limit of every usable " + job.capability() + " provider in the fabric", local.nodeId(),
                    Optional.empty(), Optional.empty(), Map.of("max_input_bytes", largest));
        }
        NodeSelector.Ask ask = NodeSelector.Ask.of(job);
        Map<String, String> skipped = new LinkedHashMap<>();
        Optional<Outcome.Failed> localRefusal = Optional.empty();
        switch (tryLocal(job, ask, skipped)) {
            case LocalTry.Ran ran -> {
                return ran.outcome();
            }
            case LocalTry.Refused refused -> localRefusal = Optional.of(refused.outcome());
            case LocalTry.Busy ignored -> {
                return remote(job, ask, skipped, Optional.empty(), true);
            }
            case LocalTry.Skipped ignored -> {
            }
        }
        return remote(job, ask, skipped, localRefusal, false);
    }

    /** What trying this node gave. */
    private sealed interface LocalTry {
        record Ran(Outcome outcome) implements LocalTry {
        }

        record Refused(Outcome.Failed outcome) implements LocalTry {
        }

        record Skipped() implements LocalTry {
        }

        /** This node could run it, but not at once: a part of a split job looks for a free slot elsewhere first. */
        record Busy() implements LocalTry {
        }
    }

    private LocalTry tryLocal(Job job, NodeSelector.Ask ask, Map<String, String> skipped) {
        Capability capability = job.capability();
        CapabilitySummary summary = local.capabilities().get(capability.name());
        if (summary == null) {
            Map<String, String> reasons = local.inventory().unusableReasons(capability);
            skipped.put(local.nodeId(), "this node: no usable provider" + (reasons.isEmpty() ? "" : " " + reasons));
            return new LocalTry.Skipped();
        }
        Optional<String> mismatch = NodeSelector.mismatch(summary, ask);
        if (mismatch.isPresent()) {
            skipped.put(local.nodeId(), "this node: " + mismatch.get());
            return new LocalTry.Skipped();
        }
        Dispatcher dispatcher = local.dispatcher();
        if (JobPart.isPart(job)) {
            // the parts of a split job run side by side: a free slot on another node beats a queue here; parts
            // started together take this node's free slots one at a time, not all of them the same one
            Dispatcher.Admission admission;
            synchronized (partAdmission) {
                if (!dispatcher.hasFreeSlot(capability)) {
                    return new LocalTry.Busy();
                }
                admission = dispatcher.submitAndWait(job);
            }
            return admitted(admission, skipped);
        }
        if (!dispatcher.hasHeadroom(capability)) {
            skipped.put(local.nodeId(), "this node: its " + capability + " queue is full");
            // busy rather than unable: when no other node has the capability, the caller gets 429, not 503
            return new LocalTry.Refused(new Outcome.Failed(429, "queue_full", capability + " queue is full on this node",
                    local.nodeId(), Optional.empty(), Optional.of(Duration.ofSeconds(1)), Map.of()));
        }
        return admitted(dispatcher.submitAndWait(job), skipped);
    }

    /** What the local dispatcher's admission of a job gave. */
    private LocalTry admitted(Dispatcher.Admission admission, Map<String, String> skipped) {
        return switch (admission) {
            case Dispatcher.Admission.Refused refused -> {
                Outcome.Failed outcome = refused.outcome();
                if (outcome.status() == 429 || outcome.status() == 503 || outcome.status() == 413) {
                    skipped.put(local.nodeId(), "this node: " + outcome.message());
                    yield new LocalTry.Refused(outcome);
                }
                yield new LocalTry.Ran(outcome);
            }
            case Dispatcher.Admission.Queued queued -> new LocalTry.Ran(queued.await());
        };
    }

    /** @param queueHere run the job in this node's queue when no other node takes it (this node is only busy) */
    private Outcome remote(Job job, NodeSelector.Ask ask, Map<String, String> skipped, Optional<Outcome.Failed> localRefusal,
                           boolean queueHere) {
        Optional<Connection> nats = link.get();
        Map<String, String> tried = new LinkedHashMap<>();
        if (nats.isPresent()) {
            OffloadClient.Prepared prepared = null;
            try {
                int attempts = 0;
                int probationAttempts = 0;
                hedging.offloaded();
                while (attempts < MAX_ATTEMPTS && !job.timeLeft().isZero()) {
                    NodeSelector.Ranking ranking = selector.rank(ask, registry.nodes(), this::outstanding, tried, probationAttempts);
                    if (ranking.order().isEmpty()) {
                        break;
                    }
                    String target = ranking.order().getFirst();
                    boolean probation = ranking.probation().contains(target);
                    if (prepared == null) {
                        prepared = client.prepare(nats.get(), job);
                    }
                    Optional<Duration> budget = seen.attemptTimeout(target, job.capability().name(),
                            ranking.waits().getOrDefault(target, 0.0));
                    if (probation) {
                        // a newcomer that never answered may use at most half the time left: the rest is for a node that did
                        Duration half = job.timeLeft().dividedBy(2);
                        budget = Optional.of(budget.filter(b -> b.compareTo(half) < 0).orElse(half));
                    }
                    Optional<Duration> hedgeAfter = attempts == 0 && !probation ? hedging.after(target, job, budget) : Optional.empty();
                    Optional<Outcome> decided;
                    if (hedgeAfter.isPresent()) {
                        Round round = hedged(nats.get(), target, job, ask, prepared, budget, hedgeAfter.get(), tried);
                        decided = round.outcome();
                        attempts += round.attempts() - 1; // the hedge was the job's second attempt
                    } else {
                        decided = attempt(nats.get(), target, job, prepared, budget, tried, new CompletableFuture<>());
                    }
                    if (decided.isPresent()) {
                        return decided.get();
                    }
                    // a node on probation costs the job no attempt: a black hole cannot use up its budget
                    if (probation) {
                        probationAttempts++;
                    } else {
                        attempts++;
                    }
                }
            } catch (LargePayloads.StoreException e) {
                if (queueHere && !job.timeLeft().isZero()) {
                    // too large to send without JetStream: this node can still read it
                    return LocalRoute.runHere(local.dispatcher(), job, local.nodeId());
                }
                return refused(job, new Outcome.Failed(503, "unavailable", e.getMessage(), local.nodeId(), Optional.empty(),
                        Optional.of(DEFAULT_RETRY_AFTER), Map.of()));
            } finally {
                if (prepared != null) {
                    prepared.close();
                }
            }
        }
        if (queueHere && !job.timeLeft().isZero()) {
            return LocalRoute.runHere(local.dispatcher(), job, local.nodeId());
        }
        NodeSelector.Ranking last = selector.rank(ask, registry.nodes(), this::outstanding, tried);
        last.skipped().forEach(skipped::putIfAbsent);
        if (nats.isEmpty() && !last.skipped().isEmpty()) {
            skipped.replaceAll((node, reason) -> node.equals(local.nodeId()) ? reason : reason + "; and this node's NATS link is down");
        }
        if (localRefusal.isPresent() && last.skipped().isEmpty() && last.order().isEmpty()) {
            return localRefusal.get(); // no other node has the capability: the local answer stands
        }
        if (offeredNowhere(ask)) {
            return notOffered(job, ask, skipped);
        }
        return unavailable(job, ask, skipped, nats.isEmpty(), localRefusal);
    }

    /** What a hedged round gave: the outcome to return, or empty to try the next node; and how many attempts it made (1 or 2). */
    private record Round(Optional<Outcome> outcome, int attempts) {
    }

    /**
     * One attempt on {@code target} that, when not answered {@code after}, is hedged on another node
     * (see {@link Hedging}); the first attempt to decide the job's outcome wins, the other is withdrawn.
     * Both attempts run on virtual threads of their own, as the caller's (with its {@link Caller}); both
     * have ended when this returns, so nothing of the job is left running here.
     */
    private Round hedged(Connection nats, String target, Job job, NodeSelector.Ask ask, OffloadClient.Prepared prepared,
                         Optional<Duration> budget, Duration after, Map<String, String> tried) {
        String capability = job.capability().name();
        Caller caller = Caller.current();
        long start = System.nanoTime();
        // each attempt notes its node's failure in a map of its own: the two run at once
        Map<String, String> firstTried = new LinkedHashMap<>(tried);
        CompletableFuture<String> withdrawFirst = new CompletableFuture<>();
        CompletableFuture<Optional<Outcome>> first = async(caller, () -> attempt(nats, target, job, prepared, budget, firstTried, withdrawFirst));
        try {
            Optional<Outcome> early = first.get(after.toNanos(), TimeUnit.NANOSECONDS);
            tried.putAll(firstTried);
            return new Round(early, 1);
        } catch (TimeoutException e) {
            // outlasted most answers of its node: hedge it, if a node, the deadline and the budget allow
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Round(joined(first, firstTried, tried), 1);
        } catch (ExecutionException e) {
            throw unchecked(e.getCause());
        }
        Map<String, String> excluded = new LinkedHashMap<>(tried);
        excluded.put(target, "holds the job's first attempt");
        // probationTried 2: nodes that never answered a job of this node get no hedge
        NodeSelector.Ranking ranking = selector.rank(ask, registry.nodes(), this::outstanding, excluded, 2);
        Optional<String> second = hedging.pick(ranking, registry::node, this::outstanding, job);
        if (second.isEmpty() || first.isDone()) {
            return new Round(joined(first, firstTried, tried), 1);
        }
        String hedge = second.get();
        metrics.hedgeSent(hedge, capability);
        Map<String, String> secondTried = new LinkedHashMap<>(tried);
        CompletableFuture<String> withdrawSecond = new CompletableFuture<>();
        CompletableFuture<Optional<Outcome>> other = async(caller, () -> attempt(nats, hedge, job, prepared,
                seen.attemptTimeout(hedge, capability, ranking.waits().getOrDefault(hedge, 0.0)), secondTried, withdrawSecond));
        CompletableFuture.anyOf(first, other).join();
        boolean firstEnded = first.isDone();
        Optional<Outcome> outcome = joined(firstEnded ? first : other, firstEnded ? firstTried : secondTried, tried);
        boolean hedgeWon;
        if (outcome.isPresent()) {
            hedgeWon = !firstEnded;
            if (hedgeWon) {
                // the first attempt would have taken at least this long: its node's tail stays in its answer times
                seen.outlasted(target, capability, Duration.ofNanos(System.nanoTime() - start));
            }
            (firstEnded ? withdrawSecond : withdrawFirst).complete("node " + (firstEnded ? target : hedge) + " answered the job first");
            joined(firstEnded ? other : first, firstEnded ? secondTried : firstTried, tried);
        } else {
            outcome = joined(firstEnded ? other : first, firstEnded ? secondTried : firstTried, tried);
            hedgeWon = firstEnded && outcome.isPresent();
        }
        if (hedgeWon) {
            metrics.hedgeWon(hedge, capability);
        }
        return new Round(outcome, 2);
    }

    /** Runs one attempt on a virtual thread of its own, as {@code caller}. */
    private static CompletableFuture<Optional<Outcome>> async(Caller caller, Supplier<Optional<Outcome>> attempt) {
        CompletableFuture<Optional<Outcome>> result = new CompletableFuture<>();
        Thread.ofVirtual().name("capfabric-attempt").start(() -> {
            try {
                ScopedValue.where(Caller.CURRENT, caller).run(() -> result.complete(attempt.get()));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** Waits for an attempt to end and adds the nodes it tried to {@code tried}. */
    private static Optional<Outcome> joined(CompletableFuture<Optional<Outcome>> attempt, Map<String, String> attemptTried,
                                            Map<String, String> tried) {
        try {
            return attempt.join();
        } catch (CompletionException e) {
            throw unchecked(e.getCause());
        } finally {
            if (attempt.isDone()) {
                attemptTried.forEach(tried::putIfAbsent);
            }
        }
    }

    private static RuntimeException unchecked(Throwable cause) {
        if (cause instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new IllegalStateException(cause);
    }

    /** Sends the job to {@code target}, counting it as outstanding there while it waits, and noting how long an answer took. */
    private OffloadClient.Attempt send(Connection nats, String target, Job job, OffloadClient.Prepared prepared, Optional<Duration> budget) {
        return send(nats, target, job, prepared, budget, new CompletableFuture<>());
    }

    /** As {@link #send(Connection, String, Job, OffloadClient.Prepared, Optional)}, given up when {@code withdrawn} completes. */
    private OffloadClient.Attempt send(Connection nats, String target, Job job, OffloadClient.Prepared prepared, Optional<Duration> budget,
                                       CompletableFuture<String> withdrawn) {
        AtomicInteger count = outstanding.computeIfAbsent(target + "/" + job.capability().name(), k -> new AtomicInteger());
        count.incrementAndGet();
        metrics.watchBreaker(target, breakers);
        long start = System.nanoTime();
        OffloadClient.Attempt attempt;
        try {
            attempt = client.send(nats, target, job, prepared, budget, withdrawn);
            if (attempt instanceof OffloadClient.Attempt.Answered) {
                seen.answered(target, job.capability().name(), Duration.ofNanos(System.nanoTime() - start));
            }
        } finally {
            count.decrementAndGet();
        }
        metrics.sent(target, job.capability().name(), switch (attempt) {
            case OffloadClient.Attempt.Answered answered -> FabricMetrics.outcome(answered.outcome());
            case OffloadClient.Attempt.Unanswered unanswered -> unanswered.why() == OffloadClient.Why.SUPERSEDED ? "superseded"
                    : unanswered.timedOut() ? "timeout" : "unanswered";
        });
        return attempt;
    }

    /** One attempt on {@code target}; the outcome to return, or empty to try the next node. */
    private Optional<Outcome> attempt(Connection nats, String target, Job job, OffloadClient.Prepared prepared, Optional<Duration> budget,
                                      Map<String, String> tried, CompletableFuture<String> withdrawn) {
        switch (send(nats, target, job, prepared, budget, withdrawn)) {
            case OffloadClient.Attempt.Answered answered -> {
                Outcome outcome = answered.outcome();
                if (outcome instanceof Outcome.Failed failed && (failed.status() == 503 || failed.status() == 429)) {
                    if (failed.status() == 503 && !OffloadServer.DRAINING.equals(failed.kind())) {
                        breakers.failure(target);
                    }
                    tried.put(target, "tried: answered " + failed.status() + " " + failed.kind() + ": " + failed.message());
                    return Optional.empty();
                }
                if (outcome instanceof Outcome.Failed failed && failed.status() == 504 && !job.timeLeft().isZero()) {
                    // the node gave up at the shorter deadline this attempt was sent with, or read the job only after it: it did
                    // not run it to the end, and the job's own time is not up, so the next node is tried, as for an attempt timeout
                    breakers.failure(target);
                    tried.put(target, "tried: answered 504: " + failed.message());
                    return Optional.empty();
                }
                breakers.success(target);
                return Optional.of(outcome);
            }
            case OffloadClient.Attempt.Unanswered unanswered -> {
                if (job.cancellation().isCancelled()) {
                    // our caller left: nobody to answer, and no fault of the node
                    return Optional.of(Outcome.Failed.of(499, "cancelled", unanswered.reason(), local.nodeId()));
                }
                if (unanswered.why().nodesFault()) {
                    breakers.failure(target);
                }
                tried.put(target, "tried: " + unanswered.reason());
                if (unanswered.why() == OffloadClient.Why.LINK_LOST) {
                    // the node may be running it: not run again here; it is told to stop once the link is back
                    return Optional.of(new Outcome.Failed(503, "unavailable", "this node lost its NATS link while node " + target
                            + " held the job; it was not run again, to not run it twice", local.nodeId(), Optional.empty(),
                            Optional.of(LINK_RETRY_AFTER), Map.of("nodes", Map.copyOf(tried), "fabric", "this node's NATS link is down")));
                }
                if (unanswered.timedOut() || job.timeLeft().isZero()) {
                    return Optional.of(new Outcome.Failed(504, "timeout", unanswered.reason(), local.nodeId(), Optional.empty(),
                            Optional.empty(), Map.of("nodes", Map.copyOf(tried))));
                }
                return Optional.empty();
            }
        }
    }

    private Outcome unavailable(Job job, NodeSelector.Ask ask, Map<String, String> skipped, boolean linkDown,
                                Optional<Outcome.Failed> localRefusal) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("capability", job.capability().name());
        details.putAll(ask.details());
        details.put("nodes", skipped);
        if (linkDown) {
            details.put("fabric", "this node's NATS link is down");
        }
        Duration retryAfter = DEFAULT_RETRY_AFTER;
        for (String node : skipped.keySet()) {
            Optional<Duration> open = breakers.openFor(node);
            if (open.isPresent() && open.get().compareTo(retryAfter) < 0) {
                retryAfter = open.get();
            }
        }
        if (localRefusal.isPresent() && localRefusal.get().retryAfter().isPresent()
                && localRefusal.get().retryAfter().get().compareTo(retryAfter) < 0) {
            retryAfter = localRefusal.get().retryAfter().get();
        }
        String message = skipped.isEmpty()
                ? "no node has a usable provider for " + job.capability()
                : "no node can serve " + job.capability() + " now (" + skipped.size() + " with the capability passed over)";
        return refused(job, new Outcome.Failed(503, "unavailable", message, local.nodeId(), Optional.empty(), Optional.of(retryAfter),
                details));
    }

    /**
     * Whether the job asks for a provider, model, language or voice that no node with the capability offers,
     * this one included: a permanent refusal, unlike a node being busy, down or cut off by its breaker.
     * Nodes that are stale, draining, gone or behind an open circuit count as offering what they last
     * said, as they may come back.
     */
    private boolean offeredNowhere(NodeSelector.Ask ask) {
        if (!ask.any()) {
            return false;
        }
        List<CapabilitySummary> holders = holders(ask.capability().name());
        return !holders.isEmpty() && holders.stream().noneMatch(summary -> NodeSelector.mismatch(summary, ask).isEmpty());
    }

    /** What this node and every node it knows (gone ones too: they may come back) say of {@code capability}. */
    private List<CapabilitySummary> holders(String capability) {
        List<CapabilitySummary> holders = new ArrayList<>();
        Optional.ofNullable(local.capabilities().get(capability)).ifPresent(holders::add);
        registry.nodes().stream()
                .filter(node -> node.has(capability))
                .forEach(node -> holders.add(node.capabilities().get(capability)));
        return holders;
    }

    private Outcome notOffered(Job job, NodeSelector.Ask ask, Map<String, String> skipped) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("capability", job.capability().name());
        details.putAll(ask.details());
        details.put("nodes", skipped);
        // X-Capfabric-Provider names a provider that exists somewhere, never the one nobody has
        Optional<String> provider = ask.provider().filter(p -> holders(ask.capability().name()).stream()
                .anyMatch(summary -> summary.providers().contains(p)));
        return refused(job, new Outcome.Failed(422, "not_offered", "no node offers" + ask.describe() + " for " + job.capability(),
                local.nodeId(), provider, Optional.empty(), details));
    }

    private Outcome pinned(Job job, String nodeId) {
        if (!NodeId.isValid(nodeId)) {
            return refused(job, Outcome.Failed.of(400, "bad_input", "'" + nodeId + "' is not a node id", local.nodeId()));
        }
        if (nodeId.equals(local.nodeId())) {
            return LocalRoute.runHere(local.dispatcher(), job, local.nodeId());
        }
        NodeStatus status = registry.status(nodeId);
        if (status == NodeStatus.GONE || (status == NodeStatus.UNKNOWN && registry.node(nodeId).isEmpty())) {
            return refused(job, new Outcome.Failed(503, "unavailable", "pinned node '" + nodeId + "' is not in the fabric ("
                    + status.wireName() + ")", local.nodeId(), Optional.empty(), Optional.of(DEFAULT_RETRY_AFTER),
                    Map.of("node_status", status.wireName())));
        }
        Optional<Connection> nats = link.get();
        if (nats.isEmpty()) {
            return refused(job, new Outcome.Failed(503, "unavailable", "pinned node '" + nodeId + "' cannot be reached: this node's "
                    + "NATS link is down", local.nodeId(), Optional.empty(), Optional.of(DEFAULT_RETRY_AFTER), Map.of()));
        }
        try (OffloadClient.Prepared prepared = client.prepare(nats.get(), job)) {
            return switch (send(nats.get(), nodeId, job, prepared, Optional.empty())) {
                case OffloadClient.Attempt.Answered answered -> {
                    if (answered.outcome() instanceof Outcome.Failed failed && failed.status() == 503
                            && !OffloadServer.DRAINING.equals(failed.kind())) {
                        breakers.failure(nodeId);
                    } else {
                        breakers.success(nodeId);
                    }
                    yield answered.outcome();
                }
                case OffloadClient.Attempt.Unanswered unanswered -> {
                    if (unanswered.why().nodesFault()) {
                        breakers.failure(nodeId);
                    }
                    yield refused(job, new Outcome.Failed(unanswered.timedOut() ? 504 : 503, unanswered.timedOut() ? "timeout" : "unavailable",
                            "pinned node '" + nodeId + "' did not serve the job: " + unanswered.reason(), local.nodeId(),
                            Optional.empty(), unanswered.timedOut() ? Optional.empty() : Optional.of(DEFAULT_RETRY_AFTER), Map.of()));
                }
            };
        } catch (LargePayloads.StoreException e) {
            return refused(job, new Outcome.Failed(503, "unavailable", e.getMessage(), local.nodeId(), Optional.empty(),
                    Optional.of(DEFAULT_RETRY_AFTER), Map.of()));
        }
    }

    private int outstanding(String nodeId, String capability) {
        AtomicInteger count = outstanding.get(nodeId + "/" + capability);
        return count == null ? 0 : count.get();
    }

    /**
     * This node's slots for the capability and those of every remote node routing would send such a job
     * to now (ok, not draining, circuit closed, with {@code provider} when given).
     */
    @Override
    public int parallelism(Capability capability, Optional<String> provider) {
        int slots = local.dispatcher().concurrency(capability);
        NodeSelector.Ask ask = new NodeSelector.Ask(capability, new Asked(Optional.empty(), Optional.empty(), Optional.empty()),
                provider, 0);
        for (String nodeId : selector.rank(ask, registry.nodes(), (node, cap) -> 0, Map.of()).order()) {
            slots += registry.node(nodeId).map(node -> node.concurrency(capability.name())).orElse(1);
        }
        return Math.max(1, slots);
    }

    @Override
    public boolean knows(Capability capability) {
        if (local.inventory().known().contains(capability)) {
            return true;
        }
        boolean linkDown = link.get().isEmpty();
        return registry.nodes().stream().anyMatch(node -> (linkDown || node.status() != NodeStatus.GONE) && node.has(capability.name()));
    }

    /**
     * The largest input of this node's usable providers and of those of the nodes it knows (not gone);
     * a node that does not say how large an input it takes sets no limit.
     */
    @Override
    public long maxInputBytes(Capability capability, Optional<String> provider) {
        long largest = local.dispatcher().maxInputBytes(capability, provider);
        for (RemoteNode node : registry.nodes()) {
            CapabilitySummary summary = node.capabilities().get(capability.name());
            if (node.status() == NodeStatus.GONE || summary == null
                    || (provider.isPresent() && !summary.providers().contains(provider.get()))) {
                continue;
            }
            largest = Math.max(largest, summary.maxInputBytes() > 0 ? summary.maxInputBytes() : Long.MAX_VALUE);
        }
        return largest;
    }

    @Override
    public Set<String> knownCapabilities() {
        Set<String> names = new TreeSet<>();
        local.inventory().known().forEach(c -> names.add(c.name()));
        // while the link is down every node looks gone: what they offered still exists, it is only out of reach (503, not 404)
        boolean linkDown = link.get().isEmpty();
        registry.nodes().stream().filter(node -> linkDown || node.status() != NodeStatus.GONE)
                .forEach(node -> names.addAll(node.capabilities().keySet()));
        return names;
    }
}
