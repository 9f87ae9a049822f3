package dev.capfabric.kernel;

import dev.capfabric.kernel.auth.ApiKeys;
import dev.capfabric.kernel.auth.AuthSettings;
import dev.capfabric.kernel.auth.FailedAttempts;
import dev.capfabric.kernel.auth.RouteScopes;
import dev.capfabric.kernel.config.InvalidSettingsException;
import dev.capfabric.kernel.console.ConsolePages;
import dev.capfabric.kernel.console.ConsoleSettings;
import dev.capfabric.kernel.console.FleetEventsService;
import dev.capfabric.kernel.console.FleetFeed;
import dev.capfabric.kernel.console.FleetSnapshots;
import dev.capfabric.kernel.config.NodeSettings;
import dev.capfabric.kernel.dispatch.Dispatcher;
import dev.capfabric.kernel.dispatch.GatedRoute;
import dev.capfabric.kernel.dispatch.JobMetrics;
import dev.capfabric.kernel.dispatch.JobRoute;
import dev.capfabric.kernel.dispatch.LocalRoute;
import dev.capfabric.kernel.dispatch.NodeLifecycle;
import dev.capfabric.kernel.dispatch.SplitSettings;
import dev.capfabric.kernel.dispatch.SplittingRoute;
import dev.capfabric.kernel.fabric.AloneView;
import dev.capfabric.kernel.fabric.Fabric;
import dev.capfabric.kernel.fabric.FabricSettings;
import dev.capfabric.kernel.fabric.FabricView;
import dev.capfabric.kernel.http.AdminService;
import dev.capfabric.kernel.http.AdvertisedUrl;
import dev.capfabric.kernel.http.ApiError;
import dev.capfabric.kernel.http.ApiKeyFilter;
import dev.capfabric.kernel.http.HttpTls;
import dev.capfabric.kernel.http.CapabilityService;
import dev.capfabric.kernel.http.CapsService;
import dev.capfabric.kernel.http.ClientConnections;
import dev.capfabric.kernel.http.CloseAfterAnswer;
import dev.capfabric.kernel.http.CrossOrigin;
import dev.capfabric.kernel.http.EdgeSettings;
import dev.capfabric.kernel.http.ExactChunked;
import dev.capfabric.kernel.http.JsonErrors;
import dev.capfabric.kernel.http.RequestBodies;
import dev.capfabric.kernel.http.GlobalViewService;
import dev.capfabric.kernel.http.InstalledService;
import dev.capfabric.kernel.http.JobRunner;
import dev.capfabric.kernel.http.Json;
import dev.capfabric.kernel.http.MetricsService;
import dev.capfabric.kernel.http.NodesService;
import dev.capfabric.kernel.http.StandardMethods;
import dev.capfabric.kernel.jobs.Jobs;
import dev.capfabric.kernel.jobs.JobsService;
import dev.capfabric.kernel.jobs.JobsSettings;
import dev.capfabric.kernel.node.HardwareProfile;
import dev.capfabric.kernel.openai.FrontDoor;
import dev.capfabric.kernel.openai.OpenAiSettings;
import dev.capfabric.kernel.node.HardwareSampling;
import dev.capfabric.kernel.node.LoadSampler;
import dev.capfabric.kernel.node.NodeDescriber;
import dev.capfabric.kernel.node.RuntimeMeters;
import dev.capfabric.kernel.plugins.Inventory;
import dev.capfabric.kernel.plugins.PluginHost;
import dev.capfabric.kernel.plugins.ProviderSlot;
import dev.capfabric.kernel.plugins.ProviderStatus;
import io.helidon.health.HealthCheckResponse;
import io.helidon.http.HttpException;
import io.helidon.health.HealthCheckType;
import io.helidon.webserver.ErrorHandling;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.cors.CorsFeature;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.lang.module.ModuleDescriptor;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static java.util.Objects.requireNonNull;

/**
 * One capfabric node: its plugins, dispatcher, HTTP server and (when configured) its place in the
 * fabric. Built from {@link NodeSettings}; several kernels can run in one JVM (tests do), as nothing
 * here is static.
 */
public final class Kernel implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Kernel.class.getName());

    private final NodeSettings settings;
    private final PluginHost plugins;
    private final LoadSampler load;
    private final NodeDescriber describer;
    private final Dispatcher dispatcher;
    private final PrometheusMeterRegistry meters;
    private final RuntimeMeters runtimeMeters;
    private final EdgeSettings edge;
    private final ClientConnections connections;
    private final WebServer server;
    private final Optional<Fabric> fabric;
    private final Jobs jobs;
    private final ApiKeyFilter keyCheck;
    private final String scheme;
    private final NodeLifecycle lifecycle;
    private final Optional<String> advertisedUrl;
    private final ConsoleSettings console;
    private final FleetFeed fleetFeed;

    private Kernel(NodeSettings settings, Clock clock) {
        this.settings = settings;
        // read first: invalid fabric settings stop start-up before anything runs
        Optional<FabricSettings> fabricSettings = settings.natsUrl().map(url -> FabricSettings.of(settings));
        this.advertisedUrl = AdvertisedUrl.configured(settings.config().get("advertised-url").asString().asOptional());
        CompletableFuture<HardwareProfile> hardware = HardwareSampling.start();
        this.meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.runtimeMeters = new RuntimeMeters(meters);
        this.plugins = new PluginHost(settings);
        this.load = new LoadSampler(HardwareSampling::system, settings.loadInterval());
        this.describer = new NodeDescriber(settings.nodeId(), version(), clock.instant(), hardware, load, plugins);
        JobMetrics jobMetrics = new JobMetrics(meters);
        this.dispatcher = new Dispatcher(settings.nodeId(), plugins, settings.section("dispatch"), jobMetrics);
        describer.useGauges(dispatcher);
        registerGauges();
        // the first /caps would otherwise pay for Jackson learning NodeCaps' shape: done beside start-up instead
        Thread.ofVirtual().name("capfabric-caps-warmup").start(() -> Json.bytes(describer.describe()));
        this.fabric = fabricSettings.map(fabricConfig -> new Fabric(fabricConfig, settings.nodeId(), version(), describer, dispatcher,
                plugins, clock, jobMetrics));
        this.jobs = fabric.map(f -> new Jobs(settings.nodeId(), JobsSettings.of(settings.section("jobs"), f.heartbeatInterval()),
                        f.subjectPrefix(), f::natsConnection, dispatcher, plugins, clock, null))
                .orElseGet(() -> Jobs.none(settings.nodeId(), dispatcher, plugins, clock, "node " + settings.nodeId()
                        + " runs alone (no capfabric.nats.url): durable jobs need NATS with JetStream"));
        fabric.ifPresent(f -> f.whenLinkUp(jobs::linkUp));
        this.lifecycle = new NodeLifecycle(settings.nodeId());
        // every job, whichever HTTP route it came by, passes the gate: 503 while starting or draining
        // and a job that a provider here splits runs in parts, each routed like any job (SplittingRoute)
        JobRoute route = new GatedRoute(lifecycle, new SplittingRoute(settings.nodeId(),
                fabric.<JobRoute>map(Fabric::route).orElseGet(() -> new LocalRoute(settings.nodeId(), dispatcher, plugins)),
                plugins, SplitSettings.of(settings.section("dispatch"))));
        FabricView view = fabric.<FabricView>map(f -> f).orElseGet(() -> new AloneView(settings.nodeId(), describer, dispatcher, plugins, clock));
        this.keyCheck = keyCheck(settings, clock, meters);
        this.console = ConsoleSettings.of(settings.section("console"));
        // started idle: it takes pictures of the fleet only while a console watches
        this.fleetFeed = new FleetFeed(new FleetSnapshots(settings.nodeId(), view, clock)::take, console.eventsInterval(),
                console.maxWatchers());
        this.edge = EdgeSettings.of(settings.section("http"));
        this.connections = ClientConnections.http1(edge.maxInflightBodyBytes());
        Gauge.builder("capfabric.http.body.bytes.held", connections, ClientConnections::bodyBytesHeld)
                .description("Request-body bytes held by all connections, bounded by capfabric.http.max-inflight-body-bytes")
                .register(meters);
        Optional<CorsFeature> cors = CrossOrigin.feature(settings.config().get("cors"));
        WebServerConfig.Builder serverConfig = WebServer.builder()
                .host(settings.host())
                .port(settings.port())
                // the stop is ours (see stop): Helidon's own hook would close the sockets before jobs are answered
                .shutdownHook(false);
        Optional<io.helidon.common.tls.Tls> tls = HttpTls.of(settings.section("http").get("tls"));
        tls.ifPresent(serverConfig::tls);
        this.scheme = tls.isPresent() ? "https" : "http";
        cors.ifPresent(serverConfig::addFeature);
        this.server = serverConfig
                // HTTP/1 through a selector that lets a waiting job learn that its client went away,
                // answers what Helidon would close in silence and bounds request bodies
                .addConnectionSelector(connections)
                // errors Helidon answers itself are JSON too, saying why
                .directHandlers(JsonErrors.directHandlers())
                .errorHandling(ErrorHandling.builder().includeEntity(true).build())
                .featuresDiscoverServices(false)
                .addFeature(ObserveFeature.builder()
                        .endpoint("/")
                        .observersDiscoverServices(false)
                        .addObserver(HealthObserver.builder()
                                .details(true)
                                .useSystemServices(false)
                                .addCheck(this::liveness, HealthCheckType.LIVENESS, "kernel")
                                .addCheck(this::readiness, HealthCheckType.READINESS, "providers")
                                .build())
                        .build())
                // HEAD and OPTIONS before the key check: a refusal of a HEAD request must not send its body either
                .routing(routing -> routing(routing.addFilter(new StandardMethods(StandardMethods.kernelRoutes(), cors.isPresent())),
                        route, view, jobMetrics, clock))
                .build();
    }

    /** Builds a kernel, loads its plugins and starts serving. */
    public static Kernel start(NodeSettings settings) {
        return start(settings, Clock.systemUTC());
    }

    /**
     * Builds a kernel with the given clock, loads its plugins and starts serving.
     *
     * @throws InvalidSettingsException when the HTTP port cannot be listened on (in use, or not allowed)
     */
    public static Kernel start(NodeSettings settings, Clock clock) {
        requireNonNull(settings, "settings is null");
        requireNonNull(clock, "clock is null");
        // checked before anything starts, so that a port in use is one clear line rather than Helidon's stack trace
        PortCheck.requireFree(settings.host(), settings.port());
        Kernel kernel = new Kernel(settings, clock);
        // serve first: /caps and liveness answer at once while plugins load (jobs hear 503 starting until then)
        kernel.server.start();
        // first requests with a body need Helidon's mapper manager: pinned now, no longer before listening
        StartupWarmup.afterServing();
        if (kernel.server.port() < 0) {
            // lost a race for the port since the check: Helidon logged why and serves nothing
            kernel.stopAfterFailedStart();
            throw new InvalidSettingsException(PortCheck.inUse(settings.host(), settings.port(), "the HTTP server could not bind it"));
        }
        kernel.describer.advertise(AdvertisedUrl.of(kernel.advertisedUrl, kernel.scheme, settings.host(), kernel.port()));
        kernel.plugins.start();
        kernel.lifecycle.serving();
        kernel.fabric.ifPresent(Fabric::start);
        // the JVM's meters are for /metrics only (which waits for them): bound now, off the path to the first answer
        kernel.runtimeMeters.bindInBackground();
        LOG.log(System.Logger.Level.INFO, "capfabric {0} node {1} serving on {5}://{2}:{3} with capabilities {4}",
                kernel.describer.version(), settings.nodeId(), settings.host(), String.valueOf(kernel.port()),
                kernel.plugins.inventory().capabilities(), kernel.scheme);
        return kernel;
    }

    /** The API key check, or the node stays open (and says so when others can reach it). */
    private static ApiKeyFilter keyCheck(NodeSettings settings, Clock clock, PrometheusMeterRegistry meters) {
        AuthSettings auth = AuthSettings.of(settings.section("http"));
        Optional<ApiKeys> keys;
        try {
            keys = auth.keysFile().map(file -> ApiKeys.load(file, clock, auth.recheck()));
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingsException(e.getMessage(), e);
        }
        if (keys.isEmpty() && !loopback(settings.host())) {
            LOG.log(System.Logger.Level.WARNING, "node {0} binds {1} with no API keys: anyone who reaches it can run jobs. "
                    + "Set capfabric.http.keys-file (CAPFABRIC_HTTP_KEYS__FILE); 'bin/capfabric key new' makes keys",
                    settings.nodeId(), settings.host());
        }
        return new ApiKeyFilter(keys, RouteScopes.defaults(auth.openHealth(), auth.openMetrics()),
                new FailedAttempts(auth.maxFailures(), auth.failureWindow(), 10_000, clock), meters, FrontDoor.REFUSALS);
    }

    private static boolean loopback(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private void routing(HttpRouting.Builder routing, JobRoute route, FabricView view, JobMetrics jobMetrics, Clock clock) {
        // outermost: whatever answers with the body unread, the key check's 401 included, closes the connection
        routing.addFilter(new CloseAfterAnswer());
        // then the one key check in front of every route, those of features (health) included
        routing.addFilter(keyCheck);
        routing.addFilter(new ExactChunked());
        // one runner for every route that makes jobs: /v1/capability/<cap> and the OpenAI-shaped front door
        JobRunner runner = new JobRunner(route);
        // and one body reader: the same limits, budget, 413s and timeouts on both
        RequestBodies bodies = new RequestBodies(edge.bodyIdleTimeout());
        CapabilityService capabilityService = new CapabilityService(settings.nodeId(), dispatcher, runner, jobMetrics, bodies);
        // the routes jobs come by first: Helidon tries registered services in order, on every request
        routing.register("/v1/capability", capabilityService);
        new FrontDoor(settings.nodeId(), dispatcher, runner, bodies, view, OpenAiSettings.of(settings.section("openai")), clock)
                .register(routing);
        routing.register("/caps", new CapsService(describer))
                .register("/capabilities/installed", new InstalledService(settings.nodeId(), plugins, settings.scanPaths()))
                .register("/v1/jobs", new JobsService(jobs, capabilityService))
                .register("/v1/capabilities", new GlobalViewService(view))
                .register("/v1/nodes", new NodesService(view))
                .register("/v1/nodes", new FleetEventsService(fleetFeed, view, console.keepAlive()))
                .register("/metrics", new MetricsService(meters, runtimeMeters))
                .register("/admin", new AdminService(settings.nodeId(), fabric))
                // last: the console's pages at / and /ui/..., after every API route
                .register("/", ConsolePages.service())
                .error(HttpException.class, (request, response, error) ->
                        ApiError.of(error.status().code() == 404 ? "not_found" : "bad_request", error.getMessage())
                                .send(response, error.status().code()))
                .error(Throwable.class, (request, response, error) -> {
                    LOG.log(System.Logger.Level.WARNING, "request " + request.prologue() + " failed", error);
                    ApiError.of("internal", "the kernel failed to handle the request: " + error.getClass().getSimpleName())
                            .send(response, 500);
                });
    }

    private HealthCheckResponse liveness() {
        return HealthCheckResponse.builder().status(true).detail("node_id", settings.nodeId()).build();
    }

    /**
     * Ready = this node can serve at least one capability: with a usable provider of its own, or, for a
     * router-only node (no usable provider), by routing to a peer that can. The NATS link is a detail
     * (and {@code capfabric_nats_link_up}), a condition only for a router-only node, which needs it to
     * route. A node that starts, drains or shares its id with another process is not ready.
     */
    private HealthCheckResponse readiness() {
        int usable = (int) plugins.inventory().providers().stream().filter(ProviderSlot::usable).count();
        boolean linked = fabric.map(Fabric::linkUp).orElse(false);
        int peers = usable == 0 && linked ? fabric.map(Fabric::servingPeers).orElse(0) : 0;
        Set<String> sameId = fabric.map(Fabric::sameIdElsewhere).orElse(Set.of());
        NodeLifecycle.Phase phase = lifecycle.phase();
        HealthCheckResponse.Builder response = HealthCheckResponse.builder()
                .status(phase == NodeLifecycle.Phase.SERVING && (usable > 0 || peers > 0) && sameId.isEmpty())
                .detail("phase", phase.name().toLowerCase(java.util.Locale.ROOT))
                .detail("usable_providers", usable)
                .detail("nats", fabric.isEmpty() ? "not configured" : linked ? "up" : "down");
        if (usable == 0 && fabric.isPresent()) {
            response.detail("serving_peers", peers);
        }
        if (!sameId.isEmpty()) {
            response.detail("node_id", "another process uses node id '" + settings.nodeId() + "' (instances " + sameId
                    + "); give each node its own CAPFABRIC_NODE_ID");
        }
        return response.build();
    }

    private void registerGauges() {
        Gauge.builder("capfabric.plugins.loaded", plugins, p -> p.inventory().plugins().stream()
                        .filter(r -> r.status().equals("loaded")).count())
                .description("Plugins loaded").register(meters);
        Gauge.builder("capfabric.plugins.failed", plugins, p -> p.inventory().plugins().stream()
                        .filter(r -> r.status().equals("failed")).count())
                .description("Plugins that failed to load").register(meters);
        for (ProviderStatus status : ProviderStatus.values()) {
            Gauge.builder("capfabric.providers", plugins, p -> countProviders(p.inventory(), status))
                    .description("Providers by status").tag("status", status.wireName()).register(meters);
        }
    }

    private static long countProviders(Inventory inventory, ProviderStatus status) {
        return inventory.providers().stream().filter(slot -> slot.status() == status).count();
    }

    /** The port the HTTP server listens on. */
    public int port() {
        return server.port();
    }

    public String nodeId() {
        return settings.nodeId();
    }

    public NodeSettings settings() {
        return settings;
    }

    public PluginHost plugins() {
        return plugins;
    }

    public Dispatcher dispatcher() {
        return dispatcher;
    }

    public NodeDescriber describer() {
        return describer;
    }

    /** This node's place in the fabric; empty when it runs alone (no NATS URL configured). */
    public Optional<Fabric> fabric() {
        return fabric;
    }

    /** The kernel's version, from its module descriptor; {@code dev} when run unpackaged. */
    public static String version() {
        return Optional.ofNullable(Kernel.class.getModule().getDescriptor())
                .flatMap(ModuleDescriptor::rawVersion)
                .orElse("dev");
    }

    /**
     * Stops the node gracefully, in this order: new jobs are refused 503 {@code draining} (HTTP) and
     * the fabric hears that this node drains (a heartbeat), so peers route around it; jobs already
     * taken — HTTP callers waiting, jobs queued and running here, jobs offloaded here by peers — finish
     * and are answered, up to {@code grace}; then the node says bye to the fabric, closes its NATS link
     * and stops serving HTTP. Idempotent.
     */
    public void stop(Duration grace) {
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
        }
        long end = System.nanoTime() + grace.toNanos();
        lifecycle.draining();
        // no more durable jobs pulled here; those running finish below or are redelivered elsewhere
        jobs.close();
        fabric.ifPresent(Fabric::leave);
        try {
            lifecycle.awaitIdle(remaining(end));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dispatcher.drainAndClose(remaining(end));
        // the console's event streams never end by themselves: ended here, or the HTTP server waits for them
        fleetFeed.close();
        // waits for the offloads held here to answer, then says bye and closes the link
        fabric.ifPresent(f -> f.close(remaining(end)));
        server.stop();
        plugins.close();
        load.close();
        runtimeMeters.close();
        meters.close();
    }

    private boolean stopped; // guarded by this

    private static Duration remaining(long end) {
        return Duration.ofNanos(Math.max(0, end - System.nanoTime()));
    }

    /** Releases what the constructor started when the server could not start. */
    private void stopAfterFailedStart() {
        jobs.close();
        fleetFeed.close();
        fabric.ifPresent(f -> f.close(Duration.ZERO));
        dispatcher.close();
        server.stop();
        plugins.close();
        load.close();
        runtimeMeters.close();
        meters.close();
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }

    /** The node's durable jobs. */
    public Jobs jobs() {
        return jobs;
    }

    /** Exposed for tests and the fabric: the settings' environment, as read at start-up. */
    Map<String, String> environment() {
        return settings.environment();
    }
}
