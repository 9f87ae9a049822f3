package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.http.Json;
import dev.capfabric.kernel.node.NodeCaps;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.nats.client.impl.Headers;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Feeds the registry from NATS: every node's heartbeats and byes, and the full capabilities of a node
 * whose digest is new here (asked for on its caps subject).
 *
 * <p>A heartbeat from a node the registry does not hold yet (or from a new instance of one) only
 * triggers a probe: a caps request on that node's own subject, whose answer admits it. At most
 * {@value #MAX_PROBES} probes are in flight; heartbeats arriving beyond that are dropped, and their
 * senders probed at their next heartbeat. A forged heartbeat thus costs one request that meets no
 * responders, and admits nothing. A node that answers as a new instance starts with a closed circuit
 * and no history here.
 *
 * <p>A bye takes the node out of routing at once. A node says bye only after answering the jobs it
 * held, so the attempts still waiting on it are ended only a moment later (answers sent before the
 * bye may be read after it), and not as the node's fault.
 *
 * <p>Heartbeats are read in batches from a synchronous subscription on the fabric's own thread
 * ({@link #readHeartbeats()}, every 1/20 of an interval): with a thousand nodes that saves a thread
 * wake-up per heartbeat, and statuses are judged in whole intervals anyway. Byes arrive at once, and
 * first drain the heartbeats that came before them, so a node's last heartbeat cannot revive it.
 */
final class RegistryFeed {

    private static final System.Logger LOG = System.getLogger(RegistryFeed.class.getName());
    /** Caps requests in flight at most, so a flood of heartbeats from new ids costs a bounded effort. */
    static final int MAX_PROBES = 256;

    private final String self;
    private final String selfInstance;
    private final Subjects subjects;
    private final NodeRegistry registry;
    private final OffloadClient client;
    private final CircuitBreakers breakers;
    private final AnswerTimes seen;
    private final PeerClocks clocks;
    private final Duration capsTimeout;
    private final Duration byeGrace;
    private final Supplier<Optional<Connection>> link;
    private final AtomicLong malformed = new AtomicLong();
    private final Set<String> probing = ConcurrentHashMap.newKeySet();
    private final AtomicLong probesDropped = new AtomicLong();
    // other processes heard heartbeating under this node's own id, with when (System.nanoTime) they were last heard
    private final Map<String, Long> impostors = new ConcurrentHashMap<>();
    private final long impostorMemoryNanos;
    private volatile Subscription heartbeats;

    /**
     * @param client      whose attempts waiting on a node that said bye are ended
     * @param breakers    whose circuit of a node is closed when it comes back as a new instance
     * @param seen        whose history of a node is forgotten when it comes back as a new instance
     * @param capsTimeout how long a caps request may take
     * @param link        the NATS connection while it is up
     */
    RegistryFeed(String self, String selfInstance, Subjects subjects, NodeRegistry registry, OffloadClient client,
                 CircuitBreakers breakers, AnswerTimes seen, PeerClocks clocks, Duration capsTimeout,
                 Duration heartbeatInterval, Supplier<Optional<Connection>> link) {
        this.self = requireNonNull(self, "self is null");
        this.selfInstance = requireNonNull(selfInstance, "selfInstance is null");
        // as long as a node counts as ok after its last heartbeat
        this.impostorMemoryNanos = 3 * requireNonNull(heartbeatInterval, "heartbeatInterval is null").toNanos();
        this.subjects = requireNonNull(subjects, "subjects is null");
        this.registry = requireNonNull(registry, "registry is null");
        this.client = requireNonNull(client, "client is null");
        this.breakers = requireNonNull(breakers, "breakers is null");
        this.seen = requireNonNull(seen, "seen is null");
        this.clocks = requireNonNull(clocks, "clocks is null");
        this.capsTimeout = requireNonNull(capsTimeout, "capsTimeout is null");
        // answers the leaving node sent just before its bye may still be on their way
        this.byeGrace = heartbeatInterval.compareTo(Duration.ofSeconds(1)) < 0 ? heartbeatInterval : Duration.ofSeconds(1);
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
        String instance = message.getHeaders() == null ? null : message.getHeaders().getFirst(OffloadWire.INSTANCE);
        if (node.get().equals(self)) {
            if (instance != null && !instance.equals(selfInstance) && impostors.put(instance, System.nanoTime()) == null) {
                LOG.log(System.Logger.Level.ERROR, "another process heartbeats as node {0} (instance {1}; this one is {2}): "
                        + "two nodes share one node id, so the fabric cannot tell them apart; give each its own "
                        + "CAPFABRIC_NODE_ID. This node reports itself not ready while it hears the other.", self, instance, selfInstance);
            }
            return;
        }
        if (!registry.admitted(node.get())) {
            // what an unproven sender says does not count: no need to read it (a flood of them stays cheap)
            probe(node.get());
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
        NodeRegistry.Received received = registry.heartbeat(node.get(), instance, beat);
        switch (received) {
            case NEEDS_CAPS, PROBE -> probe(node.get());
            default -> {
            }
        }
        String clock = message.getHeaders() == null ? null : message.getHeaders().getFirst(OffloadWire.CLOCK);
        if ((received == NodeRegistry.Received.ACCEPTED || received == NodeRegistry.Received.NEEDS_CAPS)
                && instance != null && clock != null && clock.strip().matches("-?\\d{1,18}")) {
            // only a heartbeat the registry took (the node answered as this instance) says anything of its clock
            clocks.heard(node.get(), instance, Long.parseLong(clock.strip()));
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
        String left = node.get();
        CompletableFuture.delayedExecutor(byeGrace.toMillis(), TimeUnit.MILLISECONDS).execute(() ->
                client.abandon(left, "node " + left + " left the fabric (bye) without answering", OffloadClient.Why.NODE_LEFT));
    }

    /**
     * Asks a node for its capabilities on its own subject, once at a time per node and at most
     * {@value #MAX_PROBES} at once, without a thread per request; the answer admits or refreshes it.
     */
    void probe(String nodeId) {
        Optional<Connection> nats = link.get();
        if (nats.isEmpty() || probing.contains(nodeId)) {
            return;
        }
        if (probing.size() >= MAX_PROBES) {
            probesDropped.incrementAndGet();
            return;
        }
        if (!probing.add(nodeId)) {
            return;
        }
        CompletableFuture<Message> answer;
        try {
            answer = nats.get().requestWithTimeout(subjects.caps(nodeId), null, capsTimeout);
        } catch (RuntimeException e) {
            probing.remove(nodeId);
            return;
        }
        answer.whenComplete((reply, error) -> {
            try {
                if (reply != null && !reply.isStatusMessage()) {
                    admit(nodeId, reply);
                }
            } finally {
                probing.remove(nodeId);
            }
        });
    }

    private void admit(String nodeId, Message reply) {
        NodeCaps caps;
        try {
            caps = Json.MAPPER.readValue(reply.getData(), NodeCaps.class);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "ignored a malformed caps answer from node {0}: {1}", nodeId, e.getMessage());
            return;
        }
        if (caps == null || !nodeId.equals(caps.nodeId())) {
            return;
        }
        Headers headers = reply.getHeaders();
        String digest = headers == null ? null : headers.getFirst(OffloadWire.DIGEST);
        String instance = headers == null ? null : headers.getFirst(OffloadWire.INSTANCE);
        switch (registry.probed(caps, digest, instance)) {
            case JOINED -> {
                // whatever was seen of an earlier life of this id no longer applies
                breakers.forget(nodeId);
                seen.forget(nodeId);
                clocks.forget(nodeId);
                LOG.log(System.Logger.Level.INFO, "node {0} joined (answered on its own subject)", nodeId);
            }
            case RESTARTED -> {
                breakers.forget(nodeId);
                seen.forget(nodeId);
                clocks.forget(nodeId);
                LOG.log(System.Logger.Level.INFO, "node {0} came back as a new instance ({1}): its circuit starts closed", nodeId, instance);
            }
            default -> {
            }
        }
    }

    /** Heartbeats from unknown nodes dropped because {@value #MAX_PROBES} probes were in flight. */
    long probesDropped() {
        return probesDropped.get();
    }

    /** Heartbeats and byes dropped because they could not be read. */
    long malformed() {
        return malformed.get();
    }
}
