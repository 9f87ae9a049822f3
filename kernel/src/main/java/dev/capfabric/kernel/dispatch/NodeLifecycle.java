package dev.capfabric.kernel.dispatch;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * Where the node is in its life, as its callers see it: {@code starting} until the first plugin scan
 * is done, then {@code serving}, then {@code draining} from the moment it was asked to stop. Counts
 * the jobs its callers are waiting for, so a stop can wait for them to be answered.
 *
 * <p>Thread-safe. A job is refused (503 with {@code Retry-After}) while the node starts or drains;
 * a job admitted before the drain began is answered.
 */
public final class NodeLifecycle {

    /** The phases, in the order a node goes through them. */
    public enum Phase { STARTING, SERVING, DRAINING }

    // a node starts in about a second; a drained node is replaced by another (or restarts) within seconds
    private static final Duration STARTING_RETRY = Duration.ofSeconds(1);
    private static final Duration DRAINING_RETRY = Duration.ofSeconds(5);

    private final String nodeId;
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile Phase phase = Phase.STARTING;

    public NodeLifecycle(String nodeId) {
        this.nodeId = requireNonNull(nodeId, "nodeId is null");
    }

    public Phase phase() {
        return phase;
    }

    /** The first plugin scan is done: jobs are taken from now on (unless the node already drains). */
    public synchronized void serving() {
        if (phase == Phase.STARTING) {
            phase = Phase.SERVING;
        }
    }

    /** From now on every new job is refused 503 {@code draining}; jobs already taken are still answered. */
    public synchronized void draining() {
        phase = Phase.DRAINING;
    }

    /**
     * Takes a job a caller will wait for: empty when the node takes it (call {@link #done()} once it
     * is answered), else the refusal to answer with.
     */
    public Optional<Outcome.Failed> admit() {
        waiting.incrementAndGet();
        Phase now = phase; // read after counting: a stop that saw no waiting job has already refused this one
        if (now == Phase.SERVING) {
            return Optional.empty();
        }
        waiting.decrementAndGet();
        return Optional.of(refusal(now));
    }

    /** A job taken by {@link #admit()} was answered. */
    public void done() {
        waiting.decrementAndGet();
    }

    /** Jobs taken and not yet answered. */
    public int waiting() {
        return waiting.get();
    }

    /** Waits up to {@code timeout} for every job taken to be answered; says whether they were. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (waiting.get() > 0 && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        return waiting.get() == 0;
    }

    private Outcome.Failed refusal(Phase now) {
        return now == Phase.STARTING
                ? new Outcome.Failed(503, "starting", "node " + nodeId + " is starting: its plugins are not loaded yet",
                        nodeId, Optional.empty(), Optional.of(STARTING_RETRY), Map.of())
                : new Outcome.Failed(503, "draining", "node " + nodeId + " is stopping: it finishes the jobs it has and takes no new ones",
                        nodeId, Optional.empty(), Optional.of(DRAINING_RETRY), Map.of());
    }
}
