package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.config.NodeId;
import dev.capfabric.kernel.node.CapabilitySummary;
import dev.capfabric.kernel.node.NodeCaps;
import dev.capfabric.kernel.plugins.ProviderReport;
import dev.capfabric.kernel.plugins.ProviderStatus;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static java.util.Objects.requireNonNull;

/**
 * The other nodes of the fabric as this node knows them, fed by heartbeats, byes and discovery
 * answers. Statuses follow from the time each node was last heard, read from the injected clock:
 * {@code ok} within three of the node's heartbeat intervals, {@code stale} after that, {@code gone}
 * after twelve or once it said bye; configured nodes never heard are {@code unknown}. A heartbeat
 * is accepted only when the id in its subject and in its body agree. The registry holds at most
 * {@code maxNodes} nodes and forgets a gone node after a hundred intervals.
 */
final class NodeRegistry {

    private static final System.Logger LOG = System.getLogger(NodeRegistry.class.getName());
    private static final int STALE_AFTER = 3;
    private static final int GONE_AFTER = 12;
    private static final int FORGET_AFTER = 100;
    private static final Duration SHORTEST_INTERVAL = Duration.ofMillis(20);
    private static final Duration LONGEST_INTERVAL = Duration.ofHours(1);

    /** What became of a heartbeat. */
    enum Received {
        /** Recorded. */
        ACCEPTED,
        /** Recorded, but the sender's capabilities are unknown or outdated here: ask for them. */
        NEEDS_CAPS,
        /** Dropped: the body names another node than the subject. */
        MISMATCHED,
        /** Dropped: this node's own heartbeat. */
        SELF,
        /** Dropped: the registry is full. */
        FULL
    }

    /** A node whose status changed since the previous {@link #sweep()}. */
    record Transition(String nodeId, NodeStatus from, NodeStatus to) {
    }

    private record Entry(String nodeId, Instant lastHeard, Duration interval, String digest, boolean draining,
                         boolean saidBye, Instant byeAt, FabricLoad load, NodeCaps caps, String capsDigest,
                         Map<String, CapabilitySummary> capabilities) {

        // the capabilities are copied once here, so routing reads them per job without copying
        Entry(String nodeId, Instant lastHeard, Duration interval, String digest, boolean draining, boolean saidBye, Instant byeAt,
              FabricLoad load, NodeCaps caps, String capsDigest) {
            this(nodeId, lastHeard, interval, digest, draining, saidBye, byeAt, load, caps, capsDigest,
                    caps == null || caps.capabilities() == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(caps.capabilities())));
        }

        static Entry expected(String nodeId, Duration interval) {
            return new Entry(nodeId, null, interval, null, false, false, null, FabricLoad.none(), null, null);
        }
    }

    private final String self;
    private final Clock clock;
    private final Duration defaultInterval;
    private final int maxNodes;
    private final Set<String> expected;
    private final Map<String, Entry> nodes = new ConcurrentHashMap<>();
    private final Map<String, NodeStatus> swept = new HashMap<>();
    private final AtomicLong mismatched = new AtomicLong();
    private final AtomicLong overflow = new AtomicLong();

    NodeRegistry(String self, Clock clock, Duration defaultInterval, int maxNodes, List<String> expected) {
        this.self = NodeId.require(self);
        this.clock = requireNonNull(clock, "clock is null");
        this.defaultInterval = requireNonNull(defaultInterval, "defaultInterval is null");
        this.maxNodes = maxNodes;
        this.expected = Set.copyOf(expected);
        for (String id : this.expected) {
            if (!id.equals(self)) {
                nodes.put(id, Entry.expected(id, defaultInterval));
            }
        }
    }

    /** Records a heartbeat received on the subject of {@code subjectNodeId}. */
    Received heartbeat(String subjectNodeId, Heartbeat beat) {
        if (beat == null || !subjectNodeId.equals(beat.nodeId())) {
            long count = mismatched.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, "dropped a heartbeat on the subject of node {0} whose body names node {1} ({2} so far)",
                    subjectNodeId, beat == null ? null : beat.nodeId(), count);
            return Received.MISMATCHED;
        }
        if (subjectNodeId.equals(self)) {
            return Received.SELF;
        }
        if (!admit(subjectNodeId)) {
            return Received.FULL;
        }
        Instant now = clock.instant();
        Duration interval = interval(beat.intervalMs());
        FabricLoad load = beat.load() == null ? FabricLoad.none() : beat.load();
        Entry updated = nodes.compute(subjectNodeId, (id, old) -> {
            if (beat.caps() != null && subjectNodeId.equals(beat.caps().nodeId())) {
                return new Entry(id, now, interval, beat.digest(), beat.draining(), false, null, load, beat.caps(), beat.digest());
            }
            if (old == null) {
                return new Entry(id, now, interval, beat.digest(), beat.draining(), false, null, load, null, null);
            }
            return new Entry(id, now, interval, beat.digest(), beat.draining(), false, null, load, old.caps(), old.capsDigest(),
                    old.capabilities());
        });
        boolean current = updated.caps() != null && updated.capsDigest() != null && updated.capsDigest().equals(beat.digest());
        return current ? Received.ACCEPTED : Received.NEEDS_CAPS;
    }

    /** Records a node's capabilities, from a discovery answer or a caps request; the node counts as heard. */
    void capabilities(NodeCaps caps, String digest) {
        if (caps == null || !NodeId.isValid(caps.nodeId()) || caps.nodeId().equals(self) || !admit(caps.nodeId())) {
            return;
        }
        Instant now = clock.instant();
        nodes.compute(caps.nodeId(), (id, old) -> {
            if (old == null || old.lastHeard() == null || old.saidBye()) {
                return new Entry(id, now, old == null ? defaultInterval : old.interval(), digest, false, false, null,
                        loadOf(caps), caps, digest);
            }
            return new Entry(id, now, old.interval(), old.digest(), old.draining(), false, null, old.load(), caps, digest);
        });
    }

    /** Records that a node said bye: it is gone at once. */
    void bye(String nodeId) {
        Instant now = clock.instant();
        nodes.computeIfPresent(nodeId, (id, old) -> new Entry(id, old.lastHeard(), old.interval(), old.digest(), old.draining(),
                true, now, old.load(), old.caps(), old.capsDigest()));
    }

    private boolean admit(String nodeId) {
        if (nodes.containsKey(nodeId) || nodes.size() < maxNodes) {
            return true;
        }
        if (overflow.incrementAndGet() == 1) {
            LOG.log(System.Logger.Level.WARNING, "the registry holds its maximum of {0} nodes; node {1} and later newcomers are ignored",
                    maxNodes, nodeId);
        }
        return false;
    }

    private Duration interval(long millis) {
        if (millis <= 0) {
            return defaultInterval;
        }
        Duration interval = Duration.ofMillis(millis);
        return interval.compareTo(SHORTEST_INTERVAL) < 0 ? SHORTEST_INTERVAL
                : interval.compareTo(LONGEST_INTERVAL) > 0 ? LONGEST_INTERVAL : interval;
    }

    private static NodeStatus status(Entry entry, Instant now) {
        if (entry.saidBye()) {
            return NodeStatus.GONE;
        }
        if (entry.lastHeard() == null) {
            return NodeStatus.UNKNOWN;
        }
        Duration silent = Duration.between(entry.lastHeard(), now);
        if (silent.compareTo(entry.interval().multipliedBy(GONE_AFTER)) >= 0) {
            return NodeStatus.GONE;
        }
        if (silent.compareTo(entry.interval().multipliedBy(STALE_AFTER)) > 0) {
            return NodeStatus.STALE;
        }
        return entry.draining() ? NodeStatus.DRAINING : NodeStatus.OK;
    }

    /** A node's status now; {@code unknown} for a node never heard of. */
    NodeStatus status(String nodeId) {
        Entry entry = nodes.get(nodeId);
        return entry == null ? NodeStatus.UNKNOWN : status(entry, clock.instant());
    }

    /** Every node known, by id. */
    List<RemoteNode> nodes() {
        Instant now = clock.instant();
        List<RemoteNode> all = new ArrayList<>(nodes.size());
        for (Entry entry : nodes.values()) {
            all.add(view(entry, now));
        }
        all.sort(Comparator.comparing(RemoteNode::nodeId));
        return all;
    }

    /** One node, if known. */
    Optional<RemoteNode> node(String nodeId) {
        Entry entry = nodes.get(nodeId);
        return entry == null ? Optional.empty() : Optional.of(view(entry, clock.instant()));
    }

    /** The full capabilities a node last reported, if any. */
    Optional<NodeCaps> caps(String nodeId) {
        Entry entry = nodes.get(nodeId);
        return entry == null ? Optional.empty() : Optional.ofNullable(entry.caps());
    }

    private static RemoteNode view(Entry entry, Instant now) {
        Optional<Double> age = Optional.ofNullable(entry.lastHeard())
                .map(heard -> Math.max(0, Duration.between(heard, now).toMillis()) / 1000.0);
        return new RemoteNode(entry.nodeId(), status(entry, now), age, entry.capabilities(), entry.load());
    }

    /** The nodes a discovery waits for: every node not gone, and expected nodes never heard. */
    Set<String> awaited() {
        Instant now = clock.instant();
        Set<String> awaited = new HashSet<>();
        nodes.values().forEach(entry -> {
            if (status(entry, now) != NodeStatus.GONE) {
                awaited.add(entry.nodeId());
            }
        });
        return awaited;
    }

    /**
     * Finds the nodes whose status changed since the last sweep, and forgets nodes gone for a hundred
     * intervals (expected nodes stay).
     */
    synchronized List<Transition> sweep() {
        Instant now = clock.instant();
        List<Transition> transitions = new ArrayList<>();
        for (Entry entry : nodes.values()) {
            NodeStatus status = status(entry, now);
            NodeStatus before = swept.put(entry.nodeId(), status);
            if (before != null && before != status) {
                transitions.add(new Transition(entry.nodeId(), before, status));
            }
            if (status == NodeStatus.GONE && !expected.contains(entry.nodeId()) && forgettable(entry, now)) {
                nodes.remove(entry.nodeId(), entry);
                swept.remove(entry.nodeId());
            }
        }
        swept.keySet().retainAll(nodes.keySet());
        return transitions;
    }

    private static boolean forgettable(Entry entry, Instant now) {
        Instant since = entry.byeAt() != null ? entry.byeAt() : entry.lastHeard();
        return since != null && Duration.between(since, now).compareTo(entry.interval().multipliedBy(FORGET_AFTER)) > 0;
    }

    /** Heartbeats dropped because subject and body named different nodes. */
    long mismatchedHeartbeats() {
        return mismatched.get();
    }

    /** Nodes ignored because the registry was full. */
    long overflow() {
        return overflow.get();
    }

    /** Nodes known (not counting this one) by status. */
    Map<NodeStatus, Integer> counts() {
        Map<NodeStatus, Integer> counts = new TreeMap<>();
        Instant now = clock.instant();
        nodes.values().forEach(entry -> counts.merge(status(entry, now), 1, Integer::sum));
        return counts;
    }

    /** A load estimate from a node's full capabilities, used until its first heartbeat arrives. */
    static FabricLoad loadOf(NodeCaps caps) {
        Map<String, Integer> concurrency = new TreeMap<>();
        if (caps.providers() != null) {
            for (ProviderReport provider : caps.providers()) {
                if (provider.status() == ProviderStatus.USABLE && provider.capability() != null) {
                    concurrency.merge(provider.capability(), Math.max(1, provider.concurrency()), Integer::sum);
                }
            }
        }
        if (caps.load() == null) {
            return new FabricLoad(0, 0, Map.of(), Map.of(), concurrency, Map.of());
        }
        return new FabricLoad(caps.load().cpu(), caps.load().memory(), caps.load().queueDepth(), caps.load().inflight(),
                concurrency, Map.of());
    }
}
