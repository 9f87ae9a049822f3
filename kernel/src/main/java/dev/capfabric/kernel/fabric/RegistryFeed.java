package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.http.Json;
import dev.capfabric.kernel.node.NodeCaps;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Feeds the registry from NATS: every node's heartbeats and byes, and the full capabilities of a node
 * whose digest is new here (asked for on its caps subject).
 *
 * <p>Heartbeats are read in batches from a synchronous subscription on the fabric's own thread
 * ({@link #readHeartbeats()}, every 1/20 of an interval): with a thousand nodes that saves a thread
 * wake-up per heartbeat, and statuses are judged in whole intervals anyway. Byes arrive at once, and
 * first drain the heartbeats that came before them, so a node's last heartbeat cannot revive it.
 */
final class RegistryFeed {

    private static final System.Logger LOG = System.getLogger(RegistryFeed.class.getName());

    private final String self;
    private final String selfInstance;
    private final Subjects subjects;
    private final NodeRegistry registry;
    private final OffloadClient client;
    private final Duration capsTimeout;
    private final Supplier<Optional<Connection>> link;
    private final AtomicLong malformed = new AtomicLong();
    private final Set<String> fetchingCaps = ConcurrentHashMap.newKeySet();
    // other processes heard heartbeating under this node's own id, with when (System.nanoTime) they were last heard
    private final Map<String, Long> impostors = new ConcurrentHashMap<>();
    private final long impostorMemoryNanos;
    private volatile Subscription heartbeats;

    /**
     * @param client      whose attempts waiting on a node that said bye are ended at once
     * @param capsTimeout how long a caps request may take
     * @param link        the NATS connection while it is up
     */
    RegistryFeed(String self, String selfInstance, Subjects subjects, NodeRegistry registry, OffloadClient client, Duration capsTimeout,
                 Duration heartbeatInterval, Supplier<Optional<Connection>> link) {
        this.self = requireNonNull(self, "self is null");
        this.selfInstance = requireNonNull(selfInstance, "selfInstance is null");
        // as long as a node counts as ok after its last heartbeat
        this.impostorMemoryNanos = 3 * requireNonNull(heartbeatInterval, "heartbeatInterval is null").toNanos();
        this.subjects = requireNonNull(subjects, "subjects is null");
        this.registry = requireNonNull(registry, "registry is null");
        this.client = requireNonNull(client, "client is null");
        this.capsTimeout = requireNonNull(capsTimeout, "capsTimeout is null");
        this.link = requireNonNull(link, "link is null");
    }

    /** Other processes heard heartbeating under this node's id (a misconfiguration); empty normally. */
    Set<String> impostors() {
        long now = System.nanoTime();
        impostors.values().removeIf(heard -> now - heard > impostorMemoryNanos);
        return Set.copyOf(impostors.keySet());
    }

    /** Subscribes once; the subscriptions survive reconnects. */
    void subscribe(Connection nats) {
        heartbeats = nats.subscribe(subjects.allHeartbeats());
        nats.createDispatcher().subscribe(subjects.allByes(), this::byeReceived);
    }

    /** Records every heartbeat that arrived since the last call. */
    synchronized void readHeartbeats() {
        Subscription inbox = heartbeats;
        if (inbox == null) {
            return;
        }
        try {
            for (long pending = inbox.getPendingMessageCount(); pending > 0; pending--) {
                Message message = inbox.nextMessage(Duration.ofMillis(1));
                if (message == null) {
                    return;
                }
                heartbeatReceived(message);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalStateException e) {
            // the connection closed while reading: the node is stopping
        }
    }

    private void heartbeatReceived(Message message) {
        Optional<String> node = subjects.nodeIdIn(message.getSubject(), "heartbeat");
        if (node.isEmpty()) {
            malformed.incrementAndGet();
            return;
        }
        if (node.get().equals(self)) {
            String instance = message.getHeaders() == null ? null : message.getHeaders().getFirst(OffloadWire.INSTANCE);
            if (instance != null && !instance.equals(selfInstance) && impostors.put(instance, System.nanoTime()) == null) {
                LOG.log(System.Logger.Level.ERROR, "another process heartbeats as node {0} (instance {1}; this one is {2}): "
                        + "two nodes share one node id, so the fabric cannot tell them apart; give each its own "
                        + "CAPFABRIC_NODE_ID. This node reports itself not ready while it hears the other.", self, instance, selfInstance);
            }
            return;
        }
        Heartbeat beat;
        try {
            beat = Json.MAPPER.readValue(message.getData(), Heartbeat.class);
        } catch (Exception e) {
            malformed.incrementAndGet();
            LOG.log(System.Logger.Level.DEBUG, "dropped a malformed heartbeat on {0}: {1}", message.getSubject(), e.getMessage());
            return;
        }
        if (registry.heartbeat(node.get(), beat) == NodeRegistry.Received.NEEDS_CAPS) {
            fetchCaps(node.get());
        }
    }

    private void byeReceived(Message message) {
        Optional<String> node = subjects.nodeIdIn(message.getSubject(), "bye");
        if (node.isEmpty() || node.get().equals(self)) {
            return;
        }
        try {
            HeartbeatPublisher.Bye bye = Json.MAPPER.readValue(message.getData(), HeartbeatPublisher.Bye.class);
            if (bye == null || !node.get().equals(bye.nodeId())) {
                malformed.incrementAndGet();
                return;
            }
        } catch (Exception e) {
            malformed.incrementAndGet();
            return;
        }
        LOG.log(System.Logger.Level.INFO, "node {0} said bye", node.get());
        readHeartbeats();
        registry.bye(node.get());
        client.abandon(node.get(), "node " + node.get() + " left the fabric (bye) before answering");
    }

    /** Asks a node for its capabilities, once at a time per node, in the background. */
    private void fetchCaps(String nodeId) {
        Optional<Connection> nats = link.get();
        if (nats.isEmpty() || !fetchingCaps.add(nodeId)) {
            return;
        }
        Thread.ofVirtual().name("capfabric-caps-fetch").start(() -> {
            try {
                Message reply = nats.get().request(subjects.caps(nodeId), null, capsTimeout);
                if (reply != null && !reply.isStatusMessage()) {
                    NodeCaps caps = Json.MAPPER.readValue(reply.getData(), NodeCaps.class);
                    if (nodeId.equals(caps.nodeId())) {
                        registry.capabilities(caps, reply.getHeaders() == null ? null : reply.getHeaders().getFirst(OffloadWire.DIGEST));
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.DEBUG, "could not fetch the capabilities of node {0}: {1}", nodeId, e.getMessage());
            } finally {
                fetchingCaps.remove(nodeId);
            }
        });
    }

    /** Heartbeats and byes dropped because they could not be read. */
    long malformed() {
        return malformed.get();
    }
}
