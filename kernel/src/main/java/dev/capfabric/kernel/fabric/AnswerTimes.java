package dev.capfabric.kernel.fabric;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import static java.util.Objects.requireNonNull;

/**
 * What this node saw of its peers, as opposed to what they say of themselves: how long each took to
 * answer the jobs sent to it (from send to answer, per capability, the last {@value #KEPT} answers),
 * and whether it ever answered a job at all.
 *
 * <p>Routing trusts these over a peer's heartbeat: a node that advertises a fast service time but
 * answers slowly is ranked by what it does, a node that never answered anything is on probation,
 * and the time an attempt may take is derived from the answers seen ({@link #attemptTimeout}).
 * Forgotten with the node: a restarted node (new instance) starts afresh.
 */
final class AnswerTimes {

    /** Answers kept per node and capability. */
    static final int KEPT = 64;
    /** Fewer answers than this say too little of a node to bound its attempts. */
    static final int ENOUGH = 8;

    private final Duration shortestAttempt;
    private final double slack;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private final Map<String, Boolean> answered = new ConcurrentHashMap<>();

    /**
     * @param shortestAttempt the least time any attempt is given, whatever the answers seen
     * @param slack           how many times the slowest usual answer (p99) an attempt may take
     */
    AnswerTimes(Duration shortestAttempt, double slack) {
        this.shortestAttempt = requireNonNull(shortestAttempt, "shortestAttempt is null");
        if (!(slack >= 1)) {
            throw new IllegalArgumentException("slack must be at least 1");
        }
        this.slack = slack;
    }

    /** The most recent answer times of one node for one capability. Guarded by itself. */
    private static final class Window {
        final long[] millis = new long[KEPT];
        int next;
        int size;

        synchronized void add(long value) {
            millis[next] = value;
            next = (next + 1) % KEPT;
            size = Math.min(KEPT, size + 1);
        }

        synchronized Optional<Long> quantile(double q) {
            if (size < ENOUGH) {
                return Optional.empty();
            }
            long[] sorted = Arrays.copyOf(millis, size);
            Arrays.sort(sorted);
            return Optional.of(sorted[Math.min(size - 1, (int) Math.ceil(q * size) - 1)]);
        }
    }

    /** The node answered a job (served or refused) after {@code took}. */
    void answered(String nodeId, String capability, Duration took) {
        answered.put(nodeId, Boolean.TRUE);
        windows.computeIfAbsent(nodeId + "/" + capability, k -> new Window()).add(Math.max(0, took.toMillis()));
    }

    /**
     * An attempt on the node was given up after {@code took} because another node answered first: it
     * would have taken at least that long, which is kept as if answered, so a node's slow tail does
     * not vanish from its answer times because hedges hide it. Does not count as an answer.
     */
    void outlasted(String nodeId, String capability, Duration took) {
        windows.computeIfAbsent(nodeId + "/" + capability, k -> new Window()).add(Math.max(0, took.toMillis()));
    }

    /** Whether the node ever answered a job of this node's (since it was last forgotten). */
    boolean everAnswered(String nodeId) {
        return answered.containsKey(nodeId);
    }

    /** The answer time below which {@code q} of the node's recent answers fell; empty with too few answers. */
    Optional<Duration> quantile(String nodeId, String capability, double q) {
        Window window = windows.get(nodeId + "/" + capability);
        return window == null ? Optional.empty() : window.quantile(q).map(Duration::ofMillis);
    }

    /** The slowest usual answer (p99) of any node for the capability: what a node without history is held to. */
    Optional<Duration> fleetP99(String capability) {
        Duration slowest = null;
        for (Map.Entry<String, Window> entry : windows.entrySet()) {
            if (entry.getKey().endsWith("/" + capability)) {
                Optional<Long> p99 = entry.getValue().quantile(0.99);
                if (p99.isPresent() && (slowest == null || p99.get() > slowest.toMillis())) {
                    slowest = Duration.ofMillis(p99.get());
                }
            }
        }
        return Optional.ofNullable(slowest);
    }

    /**
     * How long one attempt on {@code nodeId} may take before it is abandoned and the job tried
     * elsewhere: {@code slack} times the node's p99 answer time (or the fleet's, for a node with too
     * few answers), plus the wait routing expects there, at least the shortest attempt; empty when
     * nothing was observed yet (the attempt then has the whole deadline).
     */
    Optional<Duration> attemptTimeout(String nodeId, String capability, double expectedWaitMillis) {
        Optional<Duration> p99 = quantile(nodeId, capability, 0.99).or(() -> fleetP99(capability));
        return p99.map(d -> {
            long millis = (long) (d.toMillis() * slack + Math.max(0, expectedWaitMillis));
            return Duration.ofMillis(Math.max(shortestAttempt.toMillis(), millis));
        });
    }

    /** The node's median answer time, if enough was seen: what ranking uses when the node claims to be faster. */
    Optional<Duration> median(String nodeId, String capability) {
        return quantile(nodeId, capability, 0.5);
    }

    /** Forgets a node (it left, or restarted as another instance). */
    void forget(String nodeId) {
        answered.remove(nodeId);
        windows.keySet().removeIf(key -> key.startsWith(nodeId + "/"));
    }
}
