package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.config.NodeId;
import dev.capfabric.kernel.http.Json;
import dev.capfabric.kernel.node.NodeCaps;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.nats.client.impl.Headers;

import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * Scatter-gather on {@code <prefix>.discover}: one request, every node answers with its capabilities.
 *
 * <p>The gather ends as soon as every node the registry knows has answered, or when the window
 * closes. Each answer also says how many nodes besides the asker should answer, as far as its sender
 * knows (header {@value OffloadWire#KNOWN_NODES}), so a node that just joined, knowing nobody, learns
 * how many answers to wait for instead of always waiting out the window.
 */
final class Discovery {

    private static final System.Logger LOG = System.getLogger(Discovery.class.getName());

    private final LocalNode local;
    private final Subjects subjects;
    private final NodeRegistry registry;
    private final Duration window;
    private final java.util.function.Consumer<String> probe;

    /** @param probe asks a node new here to answer on its own subject: a discovery answer admits nobody by itself */
    Discovery(LocalNode local, Subjects subjects, NodeRegistry registry, Duration window, java.util.function.Consumer<String> probe) {
        this.probe = requireNonNull(probe, "probe is null");
        this.local = requireNonNull(local, "local is null");
        this.subjects = requireNonNull(subjects, "subjects is null");
        this.registry = requireNonNull(registry, "registry is null");
        this.window = requireNonNull(window, "window is null");
    }

    /** Answers another node's discovery request with this node's capabilities. */
    void answer(Connection nats, Message request) {
        if (request.getReplyTo() == null) {
            return;
        }
        Headers asked = request.getHeaders();
        String origin = asked == null ? null : asked.getFirst(OffloadWire.ORIGIN);
        if (local.nodeId().equals(origin)) {
            return;
        }
        if (NodeId.isValid(origin) && !registry.admitted(origin)) {
            // a node that just joined asks first: probing it now lists it before its next heartbeat
            probe.accept(origin);
        }
        // the nodes besides the asker that should answer: those this node knows, and itself
        Set<String> others = registry.awaited();
        others.remove(origin);
        Headers headers = new Headers()
                .put(OffloadWire.NODE, local.nodeId())
                .put(OffloadWire.DIGEST, local.digest())
                .put(OffloadWire.KNOWN_NODES, String.valueOf(others.size() + 1));
        nats.publish(request.getReplyTo(), headers, Json.bytes(local.caps()));
    }

    /** Asks every node for its capabilities and records the answers in the registry. */
    Discovered gather(Connection nats) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + window.toNanos();
        Set<String> awaited = registry.awaited();
        Set<String> answered = new HashSet<>();
        int expected = awaited.size();
        String inbox = nats.createInbox();
        Subscription replies = nats.subscribe(inbox);
        boolean complete = false;
        try {
            nats.publish(subjects.discover(), inbox, new Headers().put(OffloadWire.ORIGIN, local.nodeId()), new byte[0]);
            while (!complete) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                Message reply = replies.nextMessage(Duration.ofNanos(left));
                if (reply == null) {
                    break;
                }
                String node = record(reply);
                if (node == null) {
                    continue;
                }
                answered.add(node);
                expected = Math.max(expected, knownBy(reply));
                complete = answered.size() >= expected && answered.containsAll(awaited);
            }
        } finally {
            replies.unsubscribe();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        LOG.log(System.Logger.Level.DEBUG, "discovery: {0} node(s) answered in {1} ms{2}", answered.size(), took.toMillis(),
                complete ? "" : " (window closed)");
        return new Discovered(answered.size(), complete, took);
    }

    private String record(Message reply) {
        Headers headers = reply.getHeaders();
        String node = headers == null ? null : headers.getFirst(OffloadWire.NODE);
        if (!NodeId.isValid(node) || node.equals(local.nodeId())) {
            return null;
        }
        try {
            NodeCaps caps = Json.MAPPER.readValue(reply.getData(), NodeCaps.class);
            if (!node.equals(caps.nodeId())) {
                return null;
            }
            if (!registry.capabilities(caps, headers.getFirst(OffloadWire.DIGEST))) {
                probe.accept(node);
            }
            return node;
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "ignored a malformed discovery answer from {0}: {1}", node, e.getMessage());
            return null;
        }
    }

    private static int knownBy(Message reply) {
        String known = reply.getHeaders().getFirst(OffloadWire.KNOWN_NODES);
        try {
            return known == null ? 0 : Math.min(1_000_000, Integer.parseInt(known.strip()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
