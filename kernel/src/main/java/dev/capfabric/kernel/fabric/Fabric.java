package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.dispatch.Dispatcher;
import dev.capfabric.kernel.dispatch.JobMetrics;
import dev.capfabric.kernel.dispatch.JobRoute;
import dev.capfabric.kernel.node.CapabilitySummary;
import dev.capfabric.kernel.node.NodeCaps;
import dev.capfabric.kernel.node.NodeDescriber;
import dev.capfabric.kernel.plugins.PluginHost;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import dev.capfabric.kernel.config.NodeId;
import dev.capfabric.kernel.http.ApiError;
import dev.capfabric.kernel.http.Json;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

import static java.util.Objects.requireNonNull;

/**
 * This node's place in the fabric: its NATS link, heartbeats, registry of the other nodes,
 * discovery, the NATS service through which it serves offloaded jobs, and the route that offloads
 * jobs to others. Built by the kernel when a NATS URL is configured; a NATS outage never stops local
 * jobs, it only narrows routing to this node until the link is back.
 */
public final class Fabric implements FabricView, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Fabric.class.getName());

    private final FabricSettings settings;
    private final PluginHost plugins;
    private final Clock clock;
    private final LocalNode local;
    private final Subjects subjects;
    private final NatsLink link;
    // the node's admin identity, when configured: carries HTTP admin requests to other nodes
    private final Optional<NatsLink> adminLink;
    // admin requests forwarded and not yet answered (their refusals, by subject): a permission violation ends them at once
    private final Map<java.util.concurrent.CompletableFuture<Message>, String> forwarding = new java.util.concurrent.ConcurrentHashMap<>();
    private final NodeRegistry registry;
    private final CircuitBreakers breakers;
    private final LargePayloads payloads;
    private final OffloadServer server;
    private final OffloadClient client;
    private final AnswerTimes seen;
    private final FabricRoute route;
    private final Discovery discovery;
    private final HeartbeatPublisher heartbeats;
    private final RegistryFeed feed;
    private final NodeWatch watch;
    private final AdminServer admin;
    private final PluginRollout rollout;
    private static final Duration BYE_AFTER_ANSWERS = Duration.ofMillis(200);
    private final ScheduledExecutorService scheduler;
    private final Object drainLock = new Object();
    private boolean leaving; // guarded by drainLock
    private volatile Discovered lastDiscovery;

    public Fabric(FabricSettings settings, String nodeId, String kernelVersion, NodeDescriber describer, Dispatcher dispatcher,
                  PluginHost plugins, Clock clock, JobMetrics jobMetrics) {
        this.settings = requireNonNull(settings, "settings is null");
        this.plugins = requireNonNull(plugins, "plugins is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.local = new LocalNode(nodeId, describer, dispatcher, plugins);
        this.subjects = new Subjects(settings.subjectPrefix());
        this.link = new NatsLink(nodeId, settings.nats());
        this.adminLink = settings.nats().admin().map(admin -> new NatsLink(nodeId + " (admin identity)", "capfabric-" + nodeId + "-admin",
                dev.capfabric.kernel.fabric.identity.NodePermissions.adminInboxPrefix(nodeId), admin));
        this.registry = new NodeRegistry(nodeId, clock, settings.heartbeatInterval(), settings.peerIntervals(), settings.maxNodes(),
                settings.expectedNodes());
        this.breakers = new CircuitBreakers(settings.breaker(), clock);
        FabricMetrics metrics = new FabricMetrics(requireNonNull(jobMetrics, "jobMetrics is null"));
        this.payloads = new LargePayloads(nodeId, settings.payloads(),
                () -> link.connection().orElseThrow(() -> new IllegalStateException("NATS is not connected")));
        PeerClocks clocks = PeerClocks.system();
        this.server = new OffloadServer(local, subjects, payloads, kernelVersion, settings.maxServedOffloads(), metrics, clocks, clock);
        this.client = new OffloadClient(nodeId, local.instance(), subjects, payloads);
        // an attempt may take four times the slowest usual answer seen, and never less than a second
        this.seen = new AnswerTimes(Duration.ofSeconds(1), 4);
        this.route = new FabricRoute(local, registry, new NodeSelector(breakers, RandomGenerator.of("L64X128MixRandom"), seen), breakers,
                client, seen, this::upConnection, metrics, new Hedging(settings.hedge(), seen, clock));
        this.heartbeats = new HeartbeatPublisher(local, subjects, settings.heartbeatInterval(), clock);
        this.feed = new RegistryFeed(nodeId, local.instance(), subjects, registry, client, breakers, seen, clocks, settings.heartbeatInterval(),
                settings.heartbeatInterval(), this::upConnection);
        this.discovery = new Discovery(local, subjects, registry, settings.discoveryWindow(), feed::probe);
        this.watch = new NodeWatch(registry, client, subjects, clock, settings.heartbeatInterval(), this::upConnection);
        // built always, for the HTTP admin routes; on NATS only when enabled
        this.admin = new AdminServer(nodeId, subjects, OffloadServer.semver(kernelVersion), this::drain, this::undrain,
                new PluginInstaller(nodeId, plugins, settings.admin().pluginsDir(), settings.admin().maxJarBytes(),
                        settings.admin().timeout(), settings.admin().configDigest()), payloads, clock);
        this.rollout = new PluginRollout(nodeId, subjects, payloads, admin, this::upConnection, this::forward, settings.admin().timeout(), clock);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("capfabric-fabric").daemon().factory());
        registerMeters(metrics.registry());
    }

    private void registerMeters(MeterRegistry meters) {
        for (NodeStatus status : NodeStatus.values()) {
            Gauge.builder("capfabric.fabric.nodes", registry, r -> r.counts().getOrDefault(status, 0))
                    .description("Other nodes in the registry, by status").tag("status", status.wireName()).register(meters);
        }
        FunctionCounter.builder("capfabric.fabric.heartbeats.dropped", registry, NodeRegistry::mismatchedHeartbeats)
                .description("Heartbeats dropped").tag("reason", "id_mismatch").register(meters);
        FunctionCounter.builder("capfabric.fabric.heartbeats.dropped", feed, RegistryFeed::malformed)
                .description("Heartbeats dropped").tag("reason", "malformed").register(meters);
        Gauge.builder("capfabric.fabric.link.up", link, l -> l.isUp() ? 1 : 0)
                .description("Whether the NATS link is up").register(meters);
        FunctionCounter.builder("capfabric.fabric.heartbeats.dropped", feed, RegistryFeed::probesDropped)
                .description("Heartbeats dropped").tag("reason", "probes_full").register(meters);
    }

    /** Starts joining: connects in the background and, once connected, announces and discovers. */
    public void start() {
        plugins.addListener(() -> scheduler.execute(guarded(this::capabilitiesChanged)));
        link.addListener(this::linkUp);
        // the answers of offloads in flight cannot arrive now: their jobs end at once rather than at their deadlines
        link.addDownListener(client::linkLost);
        link.start();
        link.addErrorListener(this::refuseForwarding);
        adminLink.ifPresent(admin -> {
            admin.addErrorListener(this::refuseForwarding);
            admin.start();
        });
    }

    /** The server refused to carry an admin request (a permission violation): its waiting requests end now, not at their timeout. */
    private void refuseForwarding(String error) {
        String marker = "Permissions Violation for Publish to ";
        if (error == null || !error.contains(marker)) {
            return;
        }
        String subject = error.substring(error.indexOf(marker) + marker.length()).strip().replace("\"", "").replace("'", "");
        forwarding.forEach((request, asked) -> {
            if (asked.equals(subject)) {
                request.completeExceptionally(new AdminRefused());
            }
        });
    }

    /** The NATS server refused this node's identity the admin subject. */
    private static final class AdminRefused extends RuntimeException {
        AdminRefused() {
            super("refused by the NATS server's permissions", null, false, false);
        }
    }

    private void linkUp(Connection nats, boolean first) {
        if (first) {
            feed.subscribe(nats);
            nats.createDispatcher().subscribe(subjects.discover(), request -> discovery.answer(nats, request));
            server.start(nats);
            // the bucket exists before any client needs it (a JetStream request: not on the link's thread)
            Thread.ofVirtual().name("capfabric-payload-bucket").start(payloads::createBucket);
            if (settings.admin().enabled()) {
                admin.start(nats);
            }
            long interval = settings.heartbeatInterval().toMillis();
            scheduler.scheduleAtFixedRate(guarded(this::heartbeat), interval, interval, TimeUnit.MILLISECONDS);
            long sweep = Math.max(10, interval / 4);
            scheduler.scheduleWithFixedDelay(guarded(watch::sweep), sweep, sweep, TimeUnit.MILLISECONDS);
            long batch = Math.max(10, Math.min(250, interval / 20));
            scheduler.scheduleWithFixedDelay(guarded(feed::readHeartbeats), batch, batch, TimeUnit.MILLISECONDS);
        }
        if (!first) {
            client.linkBack(nats);
        }
        // peers may have missed changes while the link was down: full capabilities, then a discovery
        heartbeats.publish(nats, true);
        try {
            lastDiscovery = discovery.gather(nats);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "fabric task failed", e);
            }
        };
    }

    private void heartbeat() {
        upConnection().ifPresent(nats -> heartbeats.publish(nats, false));
    }

    private void capabilitiesChanged() {
        server.refresh();
        heartbeat();
    }

    private Optional<Connection> upConnection() {
        return link.isUp() ? link.connection() : Optional.empty();
    }

    /** The route that offloads jobs across the fabric. */
    public JobRoute route() {
        return route;
    }

    /** The NATS connection while the link is up, for the durable jobs (package {@code jobs}). */
    public Optional<Connection> natsConnection() {
        return upConnection();
    }

    /** Runs {@code action} (off the NATS threads) each time the link comes up, the first time included. */
    public void whenLinkUp(Runnable action) {
        requireNonNull(action, "action is null");
        link.addListener((nats, first) -> action.run());
    }

    /** The first token(s) of every fabric subject. */
    public String subjectPrefix() {
        return settings.subjectPrefix();
    }

    /** How often nodes heartbeat. */
    public Duration heartbeatInterval() {
        return settings.heartbeatInterval();
    }

    /** Whether the NATS link is up now. */
    public boolean linkUp() {
        return link.isUp();
    }

    /**
     * Other processes heard heartbeating under this node's id within the last three heartbeat intervals:
     * two nodes were given one id. Such a node reports itself not ready, as the fabric cannot route to
     * either of them reliably.
     */
    public Set<String> sameIdElsewhere() {
        return feed.impostors();
    }

    /** Waits up to {@code timeout} for the node to have joined (connected, subscribed, announced). */
    public boolean awaitJoined(Duration timeout) throws InterruptedException {
        return link.awaitFirstConnect(timeout);
    }

    /** Runs a discovery now; empty when the link is down. */
    public Optional<Discovered> discover() {
        Optional<Connection> nats = upConnection();
        if (nats.isEmpty()) {
            return Optional.empty();
        }
        try {
            Discovered discovered = discovery.gather(nats.get());
            lastDiscovery = discovered;
            return Optional.of(discovered);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** How the latest discovery went (the first runs when the link comes up); empty before any. */
    public Optional<Discovered> lastDiscovery() {
        return Optional.ofNullable(lastDiscovery);
    }

    /** Heartbeats dropped because their subject and body named different nodes. */
    public long mismatchedHeartbeats() {
        return registry.mismatchedHeartbeats();
    }

    /** A node's status in this node's registry. */
    public NodeStatus status(String nodeId) {
        return nodeId.equals(local.nodeId()) ? (local.draining() ? NodeStatus.DRAINING : NodeStatus.OK) : registry.status(nodeId);
    }

    /** The NATS micro-service ({@code capfabric}) through which this node serves offloaded jobs. */
    MicroService service() {
        return server.service();
    }

    @Override
    public GlobalView globalView(boolean fresh) {
        if (fresh) {
            discover();
        }
        Map<String, GlobalView.Node> nodes = new TreeMap<>();
        Map<String, List<String>> index = new TreeMap<>();
        Map<String, CapabilitySummary> own = local.capabilities();
        nodes.put(local.nodeId(), new GlobalView.Node(local.httpUrl(), own, local.load(), status(local.nodeId()), 0.0));
        own.keySet().forEach(name -> index.computeIfAbsent(name, k -> new ArrayList<>()).add(local.nodeId()));
        for (RemoteNode node : registry.nodes()) {
            if (node.status() == NodeStatus.GONE || node.status() == NodeStatus.UNKNOWN) {
                continue;
            }
            nodes.put(node.nodeId(), new GlobalView.Node(httpUrl(node.nodeId()), node.capabilities(), node.load(), node.status(), node.age().orElse(null)));
            node.capabilities().keySet().forEach(name -> index.computeIfAbsent(name, k -> new ArrayList<>()).add(node.nodeId()));
        }
        index.values().forEach(ids -> ids.sort(String::compareTo));
        return new GlobalView(local.nodeId(), nodes.size(), nodes, index, clock.instant().toString(), linkState());
    }

    private String httpUrl(String nodeId) {
        return registry.caps(nodeId).map(NodeCaps::httpUrl).orElse(null);
    }

    @Override
    public NodeListing nodes(boolean fresh) {
        if (fresh) {
            discover();
        }
        List<NodeListing.Node> nodes = new ArrayList<>();
        nodes.add(new NodeListing.Node(local.nodeId(), local.httpUrl(), status(local.nodeId()), 0.0, local.capabilities(), local.load()));
        for (RemoteNode node : registry.nodes()) {
            NodeListing.Breaker breaker = breakers.openFor(node.nodeId())
                    .map(open -> new NodeListing.Breaker("open", open.toMillis() / 1000.0))
                    .orElse(NodeListing.Breaker.CLOSED);
            nodes.add(new NodeListing.Node(node.nodeId(), httpUrl(node.nodeId()), node.status(), node.age().orElse(null), node.capabilities(), node.load(),
                    breaker));
        }
        return new NodeListing(linkState(), nodes);
    }

    @Override
    public Optional<NodeCaps> caps(String nodeId) {
        return nodeId.equals(local.nodeId()) ? Optional.of(local.caps()) : registry.caps(nodeId);
    }

    /** The NATS link now, and for how long it has been so. */
    LinkState linkState() {
        double since = Math.max(0, System.currentTimeMillis() - link.changedAtMillis()) / 1000.0;
        return new LinkState(link.isUp() ? "up" : "down", since);
    }

    /**
     * Stops taking jobs from the fabric: tells the peers at once (a heartbeat saying draining), so they
     * route around this node, and answers jobs still sent here 503 {@code draining} so their senders
     * try their next best node. Jobs already running finish; jobs from this node's own callers are
     * still served here.
     */
    public AdminReply.NodeState drain() {
        synchronized (drainLock) {
            local.startDraining();
        }
        heartbeat();
        return nodeState();
    }

    /**
     * Takes jobs from the fabric again after {@link #drain()}.
     *
     * @throws IllegalStateException once the node is leaving the fabric
     */
    public AdminReply.NodeState undrain() {
        synchronized (drainLock) {
            if (leaving) {
                throw new IllegalStateException("node " + local.nodeId() + " is leaving the fabric: it cannot resume");
            }
            local.stopDraining();
        }
        heartbeat();
        return nodeState();
    }

    /** One answer to an admin request made over HTTP: the status and the JSON body NATS would carry. */
    public record AdminAnswer(int status, byte[] json) {
        /** The largest jar an HTTP {@code install} takes when {@code fabric.admin.max-jar-bytes} sets none. */
        public static final long MAX_HTTP_JAR = 64L << 20;
    }

    /**
     * Serves an admin verb ({@code drain}, {@code undrain}, {@code plugins}, {@code install}, {@code remove})
     * for node {@code nodeId}: in-process for this node, else as a request on that node's admin subject,
     * made with this node's admin identity ({@code capfabric.nats.admin-credentials}) when it has one,
     * else with its own NATS identity. When the NATS server refuses the identity the subject (the
     * generated permissions refuse every node identity), the answer is 403 {@code forbidden} as soon as
     * the server says so. The answer has the shape of the NATS one, {@code {"ok": ...}} or {@code {"error": ...}}.
     *
     * @param fileName the jar's file name, for {@code install}
     * @param body     the request body (a jar for {@code install}, {@code {"name"}} for {@code remove})
     * @param caller   who asks, for the log line (an API key's name, never the key)
     */
    public AdminAnswer admin(String nodeId, String verb, String fileName, byte[] body, String caller) {
        Optional<AdminServer.Verb> known = AdminServer.Verb.of(verb);
        if (known.isEmpty()) {
            return answer(404, ApiError.of("not_found", "no admin verb '" + verb
                    + "': expected drain, undrain, plugins, install or remove"));
        }
        LOG.log(System.Logger.Level.INFO, "admin {0} for node {1} asked over HTTP by key {2}", verb, nodeId, caller);
        if (nodeId.equals(local.nodeId())) {
            long maxJar = settings.admin().maxJarBytes() > 0 ? settings.admin().maxJarBytes() : AdminAnswer.MAX_HTTP_JAR;
            AdminServer.Reply reply = admin.serve(known.get(), fileName, body, maxJar, "key '" + AdminServer.printable(caller) + "' over HTTP");
            return answer(reply.status(), reply.body());
        }
        if (!NodeId.isValid(nodeId)) {
            return answer(400, ApiError.of("bad_input", "'" + nodeId + "' is not a node id"));
        }
        // the other node logs who asked: the key's name, by way of this node
        Headers headers = new Headers().put(AdminServer.REQUESTER, "key " + AdminServer.printable(caller) + " via node " + local.nodeId());
        if (fileName != null) {
            headers.put(AdminServer.FILE_HEADER, fileName);
        }
        return forward(nodeId, verb, headers, body, settings.admin().timeout().plusSeconds(2));
    }

    /**
     * Sends admin verb {@code verb} to node {@code nodeId} (not this one) and waits up to {@code wait} for
     * its answer: over this node's admin identity when it has one, else over its own link; a refusal by
     * the NATS server's permissions answers 403 as soon as the server says so.
     */
    AdminAnswer forward(String nodeId, String verb, Headers headers, byte[] body, Duration wait) {
        // with an admin identity the request goes over it; without, over the node's own link (fabrics without NATS permissions)
        Optional<Connection> nats = adminLink.isPresent()
                ? adminLink.get().connection().filter(c -> c.getStatus() == Connection.Status.CONNECTED)
                : upConnection();
        if (nats.isEmpty()) {
            return answer(503, ApiError.of("unavailable", "the NATS link" + (adminLink.isPresent() ? " of this node's admin identity" : "")
                    + " is down: cannot reach node " + nodeId));
        }
        String subject = subjects.admin(nodeId, verb);
        // registered before sending: the server's refusal may come back before the request call returns
        java.util.concurrent.CompletableFuture<Message> refusal = new java.util.concurrent.CompletableFuture<>();
        forwarding.put(refusal, subject);
        try {
            java.util.concurrent.CompletableFuture<Message> request = nats.get().requestWithTimeout(NatsMessage.builder()
                    .subject(subject).headers(headers).data(body == null ? new byte[0] : body).build(), wait);
            request.whenComplete((message, error) -> {
                if (error != null) {
                    refusal.completeExceptionally(error);
                } else {
                    refusal.complete(message);
                }
            });
            Message reply = refusal.get(wait.toMillis() + 100, TimeUnit.MILLISECONDS);
            if (reply.isStatusMessage()) {
                return noAdmin(nodeId);
            }
            String code = reply.getHeaders() == null ? null : reply.getHeaders().getFirst(OffloadWire.SERVICE_ERROR_CODE);
            int status = 200;
            if (code != null) {
                try {
                    status = Integer.parseInt(code.strip());
                } catch (NumberFormatException e) {
                    status = 502;
                }
            }
            return new AdminAnswer(status, reply.getData());
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof AdminRefused) {
                return answer(403, ApiError.of("forbidden", adminLink.isPresent()
                        ? "the NATS server refused this node's admin identity the admin verbs of node " + nodeId
                        + " (see its permissions in nats-server.conf)"
                        : "this node's NATS identity may not send admin verbs to other nodes: give it an admin identity "
                        + "(capfabric.nats.admin-credentials, made by 'bin/capfabric nats-config --admin-nodes " + local.nodeId()
                        + "'), or ask node " + nodeId + "'s own /admin routes"));
            }
            if (e.getCause() instanceof io.nats.client.JetStreamStatusException) {
                return noAdmin(nodeId);
            }
            if (!(e.getCause() instanceof java.util.concurrent.CancellationException)) {
                return answer(503, ApiError.of("unavailable", "cannot ask node " + nodeId + ": " + e.getCause()));
            }
            return answer(504, ApiError.of("timeout", "node " + nodeId + " did not answer admin " + verb
                    + " in time (or this node's NATS identity may not send it)"));
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.CancellationException e) {
            return answer(504, ApiError.of("timeout", "node " + nodeId + " did not answer admin " + verb
                    + " in time (or this node's NATS identity may not send it)"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return answer(503, ApiError.of("unavailable", "node " + local.nodeId() + " is stopping"));
        } catch (RuntimeException e) {
            return answer(503, ApiError.of("unavailable", "cannot ask node " + nodeId + ": " + e.getMessage()));
        } finally {
            forwarding.remove(refusal);
        }
    }

    /**
     * Installs a plugin jar on several nodes ({@code POST /admin/rollout}): inline when it fits one NATS
     * message, else through the JetStream Object Store; see {@link PluginRollout}.
     *
     * @param targets  the node ids, or empty for every node this one sees {@code ok} or {@code draining} (itself included)
     * @param listener hears every step of every node, one event at a time
     * @return 200 with {@code {"ok": Rollout}} when every node loaded it, 207 when some did not (the
     *         {@link Rollout} says which and why), or a 4xx/5xx {@code {"error"}} when nothing was sent
     */
    public AdminAnswer rollout(String fileName, byte[] jar, List<String> targets, String caller, java.util.function.Consumer<RolloutProgress> listener) {
        List<String> nodes = targets.isEmpty() ? rolloutTargets() : targets.stream().distinct().toList();
        LOG.log(System.Logger.Level.INFO, "plugin rollout of {0} to {1} asked over HTTP by key {2}",
                fileName == null ? "an unnamed jar" : AdminServer.printable(fileName), nodes, AdminServer.printable(caller));
        try {
            Rollout done = rollout.run(fileName, jar, nodes, caller, listener);
            return answer(done.failed() == 0 ? 200 : 207, new AdminReply<>(done));
        } catch (AdminException e) {
            return answer(AdminServer.status(e.kind()), ApiError.of(e.kind(), e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return answer(503, ApiError.of("unavailable", "node " + local.nodeId() + " is stopping"));
        }
    }

    private List<String> rolloutTargets() {
        List<String> nodes = new ArrayList<>();
        nodes.add(local.nodeId());
        registry.nodes().stream().filter(node -> node.status() == NodeStatus.OK || node.status() == NodeStatus.DRAINING)
                .map(RemoteNode::nodeId).sorted().forEach(nodes::add);
        return nodes;
    }

    private static AdminAnswer noAdmin(String nodeId) {
        return answer(404, ApiError.of("not_found", "no node " + nodeId
                + " answers admin requests (unknown node, or fabric.admin.enabled is off there)"));
    }

    private static AdminAnswer answer(int status, Object body) {
        return new AdminAnswer(status, Json.bytes(body));
    }

    /** Whether the node drains, and what it still runs. */
    public AdminReply.NodeState nodeState() {
        return new AdminReply.NodeState(local.nodeId(), status(local.nodeId()), server.serving(), local.load().inflight());
    }

    /**
     * Starts leaving the fabric gracefully: drains (tells the peers at once, so they route around this
     * node, and answers jobs still sent here 503 {@code draining}, so their senders try their next
     * best node without holding it against this one) and stops taking admin requests. Jobs already
     * held, local or offloaded, still run and answer; the peers hear {@code bye} only from
     * {@link #close(Duration)}, once those are answered, so no peer gives up a job this node still
     * answers.
     */
    public void leave() {
        synchronized (drainLock) {
            if (leaving) {
                return;
            }
            leaving = true;
            local.startDraining();
        }
        admin.stop();
        heartbeat();
    }

    /**
     * Finishes leaving: waits up to {@code grace} for the offloaded jobs held here to answer, stops
     * serving the fabric, says {@code bye} and closes the link.
     */
    public void close(Duration grace) {
        try {
            if (!server.awaitIdle(grace)) {
                LOG.log(System.Logger.Level.WARNING, "node {0} leaves with {1} offloaded job(s) unanswered after the grace of {2} ms",
                        local.nodeId(), server.serving(), grace.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (drainLock) {
            leaving = true;
            local.startDraining();
        }
        admin.stop();
        server.stop();
        upConnection().ifPresent(nats -> {
            try {
                // the last answers go out first, and peers get a moment to take them in: a peer hears the
                // bye on another subscription, and may handle it before an answer that came just ahead
                nats.flush(Duration.ofSeconds(1));
                Thread.sleep(BYE_AFTER_ANSWERS.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.DEBUG, "could not flush the last answers: {0}", e.getMessage());
            }
            heartbeats.publish(nats, false);
            heartbeats.bye(nats);
            try {
                nats.flush(Duration.ofSeconds(1));
            } catch (Exception e) {
                LOG.log(System.Logger.Level.DEBUG, "could not flush the bye: {0}", e.getMessage());
            }
        });
        scheduler.shutdownNow();
        adminLink.ifPresent(NatsLink::close);
        link.close();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    /** Peers heard within their heartbeat window, not draining, that have at least one capability. */
    public int servingPeers() {
        int serving = 0;
        for (RemoteNode node : registry.nodes()) {
            if (node.status() == NodeStatus.OK && !node.capabilities().isEmpty()) {
                serving++;
            }
        }
        return serving;
    }
}
