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
 * is accepted only when the id in its subject and in its body agree.
 *
 * <p>Anyone who may publish on NATS can send a heartbeat, so a heartbeat alone admits nobody: a node
 * enters the registry only once it answered a caps request on its own subject ({@link #probed}), and
 * until then its heartbeats ask for that probe and are otherwise ignored. A flood of forged
 * heartbeats therefore never displaces a node that answered, and never fills the registry. The
 * interval a heartbeat claims is clamped to the configured range, so one message cannot keep a node
 * {@code ok} for hours. The registry holds at most {@code maxNodes} nodes and forgets a gone node
 * after a hundred intervals.
 */
final class NodeRegistry {

    private static final System.Logger LOG = System.getLogger(NodeRegistry.class.getName());
    private static final int STALE_AFTER = 3;
    private static final int GONE_AFTER = 12;
    private static final int FORGET_AFTER = 100;

    /** What became of a heartbeat. */
    enum Received {
        /** Recorded. */
        ACCEPTED,
        /** Recorded, but the sender's capabilities are unknown or outdated here: ask for them. */
        NEEDS_CAPS,
        /** Not recorded: the sender never answered a caps request here, or speaks as a new instance: probe it. */
        PROBE,
        /** Dropped: the body names another node than the subject. */
        MISMATCHED,
        /** Dropped: this node's own heartbeat. */
        SELF
    }

    /** What became of a caps answer from a node's own subject. */
    enum Admitted {
        /** A node new here (or expected and never heard) joined the registry. */
        JOINED,
        /** A known node, same instance: its capabilities were refreshed. */
        REFRESHED,
        /** A known node that now runs as another instance (it restarted): its history here no longer applies. */
        RESTARTED,
        /** Dropped: the registry holds its maximum of nodes that answered. */
        FULL,
        /** Dropped: invalid, or this node itself. */
        REFUSED
    }

    /** A node whose status changed since the previous {@link #sweep()}. */
    record Transition(String nodeId, NodeStatus from, NodeStatus to) {
    }

    /**
     * One node. {@code instance} is the process it runs as (null when unknown); {@code verified} says
     * it answered a caps request on its own subject, which alone admits it to routing.
     */
    private record Entry(String nodeId, Instant lastHeard, Duration interval, String digest, boolean draining,
                         boolean saidBye, Instant byeAt, FabricLoad load, NodeCaps caps, String capsDigest,
                         Map<String, CapabilitySummary> capabilities, boolean verified, String instance) {

        // the capabilities are copied once here, so routing reads them per job without copying
        Entry(String nodeId, Instant lastHeard, Duration interval, String digest, boolean draining, boolean saidBye, Instant byeAt,
              FabricLoad load, NodeCaps caps, String capsDigest, boolean verified, String instance) {
            this(nodeId, lastHeard, interval, digest, draining, saidBye, byeAt, load, caps, capsDigest,
                    caps == null || caps.capabilities() == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(caps.capabilities())),
                    verified, instance);
        }

        static Entry expected(String nodeId, Duration interval) {
            return new Entry(nodeId, null, interval, null, false, false, null, FabricLoad.none(), null, null, false, null);
        }

        Entry heard(Instant now, Duration interval, String digest, boolean draining, FabricLoad load) {
            return new Entry(nodeId, now, interval, digest, draining, false, null, load, caps, capsDigest, capabilities, verified, instance);
        }

        Entry withCaps(NodeCaps caps, String capsDigest) {
            return new Entry(nodeId, lastHeard, interval, digest, draining, saidBye, byeAt, load, caps, capsDigest, verified, instance);
        }
    }

    private final String self;
    private final Clock clock;
    private final Duration defaultInterval;
    private final Duration shortestInterval;
    private final Duration longestInterval;
    private final int maxNodes;
    private final Set<String> expected;
    private final Map<String, Entry> nodes = new ConcurrentHashMap<>();
    private final Map<String, NodeStatus> swept = new HashMap<>();
    private final AtomicLong mismatched = new AtomicLong();
    private final AtomicLong overflow = new AtomicLong();

    /** A registry that clamps the intervals peers claim to between a fifth of {@code defaultInterval} and four times it. */
    NodeRegistry(String self, Clock clock, Duration defaultInterval, int maxNodes, List<String> expected) {
        this(self, clock, defaultInterval, FabricSettings.PeerIntervals.around(defaultInterval), maxNodes, expected);
    }

    /**
     * @param defaultInterval this node's own heartbeat interval, assumed for a node that states none
     * @param peerIntervals   the range a peer's stated interval is clamped to
     */
    NodeRegistry(String self, Clock clock, Duration defaultInterval, FabricSettings.PeerIntervals peerIntervals, int maxNodes,
                 List<String> expected) {
        this.self = NodeId.require(self);
        this.clock = requireNonNull(clock, "clock is null");
        this.defaultInterval = requireNonNull(defaultInterval, "defaultInterval is null");
        this.shortestInterval = peerIntervals.shortest();
        this.longestInterval = peerIntervals.longest();
        this.maxNodes = maxNodes;
        this.expected = Set.copyOf(expected);
        for (String id : this.expected) {
            if (!id.equals(self)) {
                nodes.put(id, Entry.expected(id, defaultInterval));
            }
        }
    }

    /** Records a heartbeat received on the subject of {@code subjectNodeId}, from a process that did not say which instance it is. */
    Received heartbeat(String subjectNodeId, Heartbeat beat) {
        return heartbeat(subjectNodeId, null, beat);
    }

    /**
     * Records a heartbeat received on the subject of {@code subjectNodeId}.
     *
     * @param instance the instance the sender says it is (header), or null
     */
    Received heartbeat(String subjectNodeId, String instance, Heartbeat beat) {
        if (beat == null || !subjectNodeId.equals(beat.nodeId())) {
            long count = mismatched.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, "dropped a heartbeat on the subject of node {0} whose body names node {1} ({2} so far)",
                    subjectNodeId, beat == null ? null : beat.nodeId(), count);
            return Received.MISMATCHED;
        }
        if (subjectNodeId.equals(self)) {
            return Received.SELF;
        }
        Entry known = nodes.get(subjectNodeId);
        if (known == null || !known.verified() || (instance != null && !instance.equals(known.instance()))) {
            // unproven, or perhaps restarted: nothing it says counts until it answers on its own subject
            return Received.PROBE;
        }
        Instant now = clock.instant();
        Duration interval = interval(beat.intervalMs());
        FabricLoad load = beat.load() == null ? FabricLoad.none() : beat.load();
        Entry updated = nodes.computeIfPresent(subjectNodeId, (id, old) -> {
            Entry heard = old.heard(now, interval, beat.digest(), beat.draining(), load);
            return beat.caps() != null && subjectNodeId.equals(beat.caps().nodeId()) ? heard.withCaps(beat.caps(), beat.digest()) : heard;
        });
        if (updated == null) {
            return Received.PROBE;
        }
        boolean current = updated.caps() != null && updated.capsDigest() != null && updated.capsDigest().equals(beat.digest());
        return current ? Received.ACCEPTED : Received.NEEDS_CAPS;
    }

    /**
     * Records a node's answer to a caps request on its own subject: the one thing that admits a node.
     * A node new here joins while fewer than {@code maxNodes} nodes are held; it never displaces one.
     *
     * @param instance the instance that answered (header), or null when it did not say
     */
    Admitted probed(NodeCaps caps, String digest, String instance) {
        if (caps == null || !NodeId.isValid(caps.nodeId()) || caps.nodeId().equals(self)) {
            return Admitted.REFUSED;
        }
        String nodeId = caps.nodeId();
        if (!nodes.containsKey(nodeId) && nodes.size() >= maxNodes) {
            if (overflow.incrementAndGet() == 1) {
                LOG.log(System.Logger.Level.WARNING, "the registry holds its maximum of {0} nodes; node {1} and later newcomers are ignored",
                        maxNodes, nodeId);
            }
            return Admitted.FULL;
        }
        Instant now = clock.instant();
        Admitted[] result = new Admitted[1];
        nodes.compute(nodeId, (id, old) -> {
            if (old == null || !old.verified()) {
                result[0] = Admitted.JOINED;
                return new Entry(id, now, old == null ? defaultInterval : old.interval(), digest, false, false, null, loadOf(caps), caps,
                        digest, true, instance);
            }
            if (instance != null && old.instance() != null && !instance.equals(old.instance())) {
                result[0] = Admitted.RESTARTED;
                return new Entry(id, now, old.interval(), digest, false, false, null, loadOf(caps), caps, digest, true, instance);
            }
            result[0] = Admitted.REFRESHED;
            Entry refreshed = old.lastHeard() == null || old.saidBye()
                    ? new Entry(id, now, old.interval(), digest, false, false, null, loadOf(caps), caps, digest, true,
                            instance != null ? instance : old.instance())
                    : new Entry(id, now, old.interval(), old.digest(), old.draining(), false, null, old.load(), caps, digest, true,
                            instance != null ? instance : old.instance());
            return refreshed;
        });
        return result[0];
    }

    /**
     * Records a node's capabilities from a discovery answer, which anyone could have sent: it refreshes
     * a node that already answered on its own subject, and admits nobody.
     *
     * @return whether the node is known here; when not, the caller should probe it
     */
    boolean capabilities(NodeCaps caps, String digest) {
        if (caps == null || !NodeId.isValid(caps.nodeId()) || caps.nodeId().equals(self)) {
            return true;
        }
        Entry known = nodes.get(caps.nodeId());
        if (known == null || !known.verified()) {
            return false;
        }
        return probed(caps, digest, null) != Admitted.REFUSED;
    }

    /** Records that a node said bye: it is gone at once. */
    void bye(String nodeId) {
        Instant now = clock.instant();
        nodes.computeIfPresent(nodeId, (id, old) -> new Entry(id, old.lastHeard(), old.interval(), old.digest(), old.draining(),
                true, now, old.load(), old.caps(), old.capsDigest(), old.capabilities(), old.verified(), old.instance()));
    }

    private Duration interval(long millis) {
        if (millis <= 0) {
            return defaultInterval;
        }
        Duration interval = Duration.ofMillis(millis);
        return interval.compareTo(shortestInterval) < 0 ? shortestInterval
                : interval.compareTo(longestInterval) > 0 ? longestInterval : interval;
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

    /** Whether a node answered on its own subject and is held here. */
    boolean admitted(String nodeId) {
        Entry entry = nodes.get(nodeId);
        return entry != null && entry.verified();
    }

    /** Whether a node's last word was bye. */
    boolean saidBye(String nodeId) {
        Entry entry = nodes.get(nodeId);
        return entry != null && entry.saidBye();
    }

    /** The instance a node last answered as; empty when unknown. */
    Optional<String> instance(String nodeId) {
        Entry entry = nodes.get(nodeId);
        return entry == null ? Optional.empty() : Optional.ofNullable(entry.instance());
    }

    /** Nodes that answered but were ignored because the registry was full. */
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
                if (provider.status() != null && provider.status().serves() && provider.capability() != null) {
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
