package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.config.NodeId;
import dev.capfabric.kernel.http.Json;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Installs one plugin jar on several nodes at once, on behalf of {@code POST /admin/rollout}.
 *
 * <p>A jar that fits one NATS message travels inline in each node's {@code admin.install} request, as
 * before. A larger one is put once into the JetStream Object Store (the payload bucket) and each node
 * is told its object name and SHA-256: the node fetches it, checks the digest, loads it and publishes
 * each step on {@code <prefix>.rollout.<id>}, which this node listens to and passes on. Without
 * JetStream, a jar too large for one message is refused for every node, saying why. This node, when a
 * target, installs in-process from the bytes it holds.
 */
final class PluginRollout {

    private static final System.Logger LOG = System.getLogger(PluginRollout.class.getName());
    private static final Duration LAST_STEP_WAIT = Duration.ofSeconds(2);
    // room for the request's headers inside the max payload
    private static final int HEADER_ROOM = 8 * 1024;

    private final String nodeId;
    private final Subjects subjects;
    private final LargePayloads payloads;
    private final AdminServer admin;
    private final Supplier<Optional<Connection>> nats;
    private final Forwarder forwarder;
    private final Duration timeout;
    private final java.time.Clock clock;

    /** Sends an admin verb to another node and answers what it said ({@link Fabric#forward}). */
    @FunctionalInterface
    interface Forwarder {
        Fabric.AdminAnswer forward(String nodeId, String verb, Headers headers, byte[] body, Duration wait);
    }

    /**
     * @param nats      the node's own link: the Object Store and the progress subject
     * @param forwarder carries the install requests to the other nodes (over the admin identity when there is one)
     * @param timeout   how long one node may take to fetch and load the jar
     */
    PluginRollout(String nodeId, Subjects subjects, LargePayloads payloads, AdminServer admin, Supplier<Optional<Connection>> nats,
                  Forwarder forwarder, Duration timeout, java.time.Clock clock) {
        this.nodeId = requireNonNull(nodeId, "nodeId is null");
        this.subjects = requireNonNull(subjects, "subjects is null");
        this.payloads = requireNonNull(payloads, "payloads is null");
        this.admin = requireNonNull(admin, "admin is null");
        this.nats = requireNonNull(nats, "nats is null");
        this.forwarder = requireNonNull(forwarder, "forwarder is null");
        this.timeout = requireNonNull(timeout, "timeout is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /**
     * Installs {@code jar} as {@code fileName} on {@code targets} (distinct valid node ids), telling
     * {@code listener} every step of every node (from several threads, one event at a time).
     *
     * @param caller who asks, for the nodes' log lines
     * @throws AdminException before anything was sent: {@code bad_input} (file name), {@code too_large}
     *                        (no JetStream for a jar above the max payload) or {@code unavailable} (no NATS link)
     */
    Rollout run(String fileName, byte[] jar, List<String> targets, String caller, Consumer<RolloutProgress> listener)
            throws AdminException, InterruptedException {
        PluginInstaller.checkFileName(fileName);
        if (jar == null || jar.length == 0) {
            throw new AdminException("bad_input", "the request body is empty: send the jar's bytes as the body");
        }
        for (String target : targets) {
            if (!NodeId.isValid(target)) {
                throw new AdminException("bad_input", "'" + AdminServer.printable(target) + "' is not a node id");
            }
        }
        String id = HexFormat.of().formatHex(longBytes());
        String sha256 = PluginInstaller.sha256(jar);
        java.util.Set<String> finished = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Consumer<RolloutProgress> events = synchronizedListener(event -> {
            if (event.rollout().equals(id) && event.last()) {
                finished.add(event.nodeId());
            }
            listener.accept(event);
        });
        boolean remote = targets.stream().anyMatch(target -> !target.equals(nodeId));
        Connection connection = null;
        if (remote) {
            connection = nats.get().orElseThrow(() -> new AdminException("unavailable", "the NATS link is down: cannot reach other nodes"));
        }
        String object = null;
        String transport = "inline";
        if (connection != null && jar.length + HEADER_ROOM > connection.getMaxPayload()) {
            try {
                object = payloads.put("rollout-" + id, "plugin", jar);
                transport = "object_store";
            } catch (LargePayloads.StoreException e) {
                throw new AdminException("too_large", "the jar is " + jar.length + " bytes, more than one NATS message carries ("
                        + connection.getMaxPayload() + " bytes max payload), and the JetStream Object Store is not available to carry it "
                        + "(run nats-server with JetStream, -js): " + e.getMessage());
            }
        }
        Dispatcher dispatcher = null;
        try {
            if (connection != null) {
                dispatcher = connection.createDispatcher(message -> progress(message).ifPresent(events));
                dispatcher.subscribe(subjects.rollout(id));
                connection.flush(Duration.ofSeconds(2));
            }
            List<Future<Rollout.NodeResult>> results = new ArrayList<>();
            try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (String target : targets) {
                    String stored = object;
                    results.add(threads.submit(() -> target.equals(nodeId)
                            ? local(id, fileName, jar, sha256, caller, events)
                            : remote(target, id, fileName, jar, stored, sha256, caller)));
                }
            }
            List<Rollout.NodeResult> nodes = new ArrayList<>();
            for (int i = 0; i < targets.size(); i++) {
                nodes.add(outcome(targets.get(i), results.get(i)));
            }
            if (dispatcher != null) {
                // a node publishes its last step before it answers, but on another subscription: it may trail the answer a moment
                long end = System.nanoTime() + LAST_STEP_WAIT.toNanos();
                while (!finished.containsAll(targets) && System.nanoTime() < end) {
                    Thread.sleep(10);
                }
            }
            // a node that never answered (unknown, admin off, timed out) said no last step itself
            for (Rollout.NodeResult node : nodes) {
                if (!finished.contains(node.nodeId())) {
                    events.accept(new RolloutProgress(id, node.nodeId(), node.ok() ? "loaded" : "failed", node.ok() ? jar.length : 0,
                            jar.length, node.ok() ? node.action() : node.errorKind() + ": " + node.message(), clock.instant().toString()));
                }
            }
            int failed = (int) nodes.stream().filter(n -> !n.ok()).count();
            return new Rollout(id, fileName, jar.length, sha256, transport, nodes, failed);
        } catch (TimeoutException e) {
            throw new AdminException("unavailable", "the NATS link does not answer: " + e.getMessage());
        } finally {
            if (dispatcher != null) {
                connection.closeDispatcher(dispatcher);
            }
            if (object != null) {
                payloads.delete(object);
            }
        }
    }

    private static byte[] longBytes() {
        byte[] bytes = new byte[8];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    private static Consumer<RolloutProgress> synchronizedListener(Consumer<RolloutProgress> listener) {
        Object lock = new Object();
        return event -> {
            synchronized (lock) {
                try {
                    listener.accept(event);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "a rollout listener failed: {0}", e.toString());
                }
            }
        };
    }

    private static Optional<RolloutProgress> progress(Message message) {
        try {
            return Optional.of(Json.MAPPER.readValue(message.getData(), RolloutProgress.class));
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "dropped a malformed rollout progress event: {0}", e.getMessage());
            return Optional.empty();
        }
    }

    private Rollout.NodeResult local(String id, String fileName, byte[] jar, String sha256, String caller, Consumer<RolloutProgress> events) {
        AdminServer.Reply reply = admin.serve(AdminServer.Verb.INSTALL, fileName, jar, AdminServer.MAX_STORED_JAR,
                "key '" + AdminServer.printable(caller) + "' over HTTP (rollout " + id + ")",
                new AdminServer.InstallOrder(null, sha256, id, events));
        return result(nodeId, reply.status(), Json.MAPPER.valueToTree(reply.body()));
    }

    private Rollout.NodeResult remote(String target, String id, String fileName, byte[] jar, String object, String sha256, String caller) {
        Headers headers = new Headers()
                .put(AdminServer.REQUESTER, "key " + AdminServer.printable(caller) + " via node " + nodeId + " (rollout " + id + ")")
                .put(AdminServer.FILE_HEADER, fileName)
                .put(AdminServer.SHA256_HEADER, sha256)
                .put(AdminServer.ROLLOUT_HEADER, id);
        if (object != null) {
            headers.put(AdminServer.OBJECT_HEADER, object);
        }
        // fetching the jar, then loading it, each within the admin timeout
        Fabric.AdminAnswer answer = forwarder.forward(target, "install", headers, object == null ? jar : new byte[0],
                timeout.multipliedBy(2).plusSeconds(2));
        try {
            return result(target, answer.status(), Json.MAPPER.readTree(answer.json()));
        } catch (IOException e) {
            return failure(target, 502, "internal", "node " + target + " answered something unreadable: " + e.getMessage());
        }
    }

    private static Rollout.NodeResult result(String node, int status, JsonNode body) {
        JsonNode ok = body.get("ok");
        if (status == 200 && ok != null) {
            return new Rollout.NodeResult(node, true, 200, ok.path("action").asText(null), ok.at("/plugin/name").asText(null), null, null);
        }
        return failure(node, status == 200 ? 502 : status, body.at("/error/kind").asText("internal"),
                body.at("/error/message").asText("no reason given"));
    }

    private static Rollout.NodeResult failure(String node, int status, String kind, String message) {
        return new Rollout.NodeResult(node, false, status, null, null, kind, message);
    }

    private static Rollout.NodeResult outcome(String node, Future<Rollout.NodeResult> result) throws InterruptedException {
        try {
            return result.get();
        } catch (ExecutionException e) {
            return failure(node, 500, "internal", "the install on node " + node + " failed here: " + e.getCause());
        }
    }
}
