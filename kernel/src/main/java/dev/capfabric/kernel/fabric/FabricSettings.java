package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.config.InvalidSettingsException;
import dev.capfabric.kernel.config.NodeId;
import dev.capfabric.kernel.config.NodeSettings;
import io.helidon.config.Config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * How a node takes part in the fabric, from {@code capfabric.fabric} (timings, subjects, routing
 * limits) and {@code capfabric.nats} (the connection).
 *
 * @param nats               the connection to the NATS server(s)
 * @param subjectPrefix      the first token(s) of every fabric subject, {@code capfabric} by default
 * @param heartbeatInterval  how often this node publishes its heartbeat
 * @param peerIntervals      the range the heartbeat interval another node states is clamped to
 * @param discoveryWindow    the longest a discovery waits for answers
 * @param expectedNodes      nodes listed as {@code unknown} until heard from
 * @param maxNodes           the most nodes the registry tracks; more are ignored (and counted)
 * @param breaker            when a node's circuit opens
 * @param payloads           where payloads above the NATS max payload travel
 * @param maxServedOffloads  offloaded jobs this node accepts at once from other nodes; more get 429
 * @param admin              whether and how the node answers {@code <prefix>.node.<id>.admin.<verb>}
 * @param hedge              when a slow attempt gets a second one on another node
 */
public record FabricSettings(NatsSettings nats,
                             String subjectPrefix,
                             Duration heartbeatInterval,
                             PeerIntervals peerIntervals,
                             Duration discoveryWindow,
                             List<String> expectedNodes,
                             int maxNodes,
                             BreakerSettings breaker,
                             PayloadStoreSettings payloads,
                             int maxServedOffloads,
                             AdminSettings admin,
                             HedgeSettings hedge) {

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");

    /**
     * The heartbeat intervals this node believes of its peers: a stated interval outside the range is
     * taken as the nearest bound, so no heartbeat can keep its sender {@code ok} for longer than three
     * times {@code longest}, whatever it claims.
     */
    public record PeerIntervals(Duration shortest, Duration longest) {
        public PeerIntervals {
            positive(shortest, "fabric.peer-interval.min-ms");
            positive(longest, "fabric.peer-interval.max-ms");
            if (longest.compareTo(shortest) < 0) {
                throw new InvalidSettingsException("fabric.peer-interval.max-ms must not be below fabric.peer-interval.min-ms");
            }
        }

        /** The default range: a fifth of {@code own} (at least 20 ms) to four times it. */
        static PeerIntervals around(Duration own) {
            Duration fifth = own.dividedBy(5);
            return new PeerIntervals(fifth.compareTo(Duration.ofMillis(20)) < 0 ? Duration.ofMillis(20) : fifth, own.multipliedBy(4));
        }
    }

    /**
     * When a node's circuit opens: {@code failures} failures within {@code window} open it for {@code openFor}.
     */
    public record BreakerSettings(int failures, Duration window, Duration openFor) {
        public BreakerSettings {
            if (failures < 1) {
                throw new InvalidSettingsException("fabric.breaker.failures must be at least 1");
            }
            requireNonNull(window, "window is null");
            requireNonNull(openFor, "openFor is null");
        }
    }

    /**
     * The JetStream Object Store bucket that carries large payloads.
     *
     * @param bucket  the bucket name
     * @param ttl     how long an object lives if nobody deletes it (a node died mid-transfer)
     * @param memory  whether the bucket is kept in memory rather than on disk
     */
    public record PayloadStoreSettings(String bucket, Duration ttl, boolean memory) {
        public PayloadStoreSettings {
            if (bucket == null || !bucket.matches("[A-Za-z0-9_-]{1,64}")) {
                throw new InvalidSettingsException("invalid fabric.payloads.bucket '" + bucket + "': letters, digits, '_' and '-' only");
            }
            requireNonNull(ttl, "ttl is null");
        }
    }

    /**
     * The admin subjects ({@code <prefix>.node.<id>.admin.<verb>}): off unless enabled, since anyone
     * allowed to publish on them may drain the node or install code on it.
     *
     * @param enabled     whether the node subscribes to its admin subjects at all
     * @param pluginsDir  the plugins folder, where an installed jar is written
     * @param maxJarBytes the largest jar {@code install} accepts; 0 means the connection's max payload
     * @param timeout     how long {@code install} and {@code remove} wait for the plugin host to act
     * @param configDigest the SHA-256 of the node's effective {@code capfabric} configuration
     *                     ({@link dev.capfabric.kernel.config.ConfigDigest}), reported with its plugins
     */
    public record AdminSettings(boolean enabled, Path pluginsDir, long maxJarBytes, Duration timeout, String configDigest) {
        public AdminSettings {
            requireNonNull(pluginsDir, "pluginsDir is null");
            if (maxJarBytes < 0) {
                throw new InvalidSettingsException("fabric.admin.max-jar-bytes must not be negative (0: the NATS max payload)");
            }
            positive(timeout, "fabric.admin.timeout-ms");
            requireNonNull(configDigest, "configDigest is null");
        }

        /** Settings whose configuration digest is not known (tests). */
        public AdminSettings(boolean enabled, Path pluginsDir, long maxJarBytes, Duration timeout) {
            this(enabled, pluginsDir, maxJarBytes, timeout, "unknown");
        }
    }

    /**
     * Hedged second attempts ({@code fabric.hedge.*}): an offloaded attempt not answered after the
     * node's {@code quantile} answer time (of those this node saw) gets a second attempt on the next
     * best node with a free slot, the first answer wins and the other attempt is cancelled.
     *
     * @param enabled     whether attempts are hedged at all
     * @param quantile    the share of a node's recent answers an attempt must outlast to be hedged, 0.5 to 0.999
     * @param maxFraction the most hedges as a share of the jobs offloaded within {@code window}, 0 to 1
     * @param window      how long an offloaded job counts towards the hedges allowed
     */
    public record HedgeSettings(boolean enabled, double quantile, double maxFraction, Duration window) {
        /**
         * The defaults: off (a winning hedge can make a job run twice on a node that stalls, as it reads the
         * cancel only when it resumes; docs/BENCHMARKS.md); when on, after the p95, at most 5 % of the jobs of the last 10 s.
         */
        public static final HedgeSettings DEFAULT = new HedgeSettings(false, 0.95, 0.05, Duration.ofSeconds(10));

        public HedgeSettings {
            if (!(quantile >= 0.5 && quantile <= 0.999)) {
                throw new InvalidSettingsException("fabric.hedge.quantile must be between 0.5 and 0.999");
            }
            if (!(maxFraction >= 0 && maxFraction <= 1)) {
                throw new InvalidSettingsException("fabric.hedge.max-fraction must be between 0 and 1");
            }
            positive(window, "fabric.hedge.window-ms");
        }
    }

    /** Settings with the default hedging. */
    public FabricSettings(NatsSettings nats, String subjectPrefix, Duration heartbeatInterval, PeerIntervals peerIntervals,
                          Duration discoveryWindow, List<String> expectedNodes, int maxNodes, BreakerSettings breaker,
                          PayloadStoreSettings payloads, int maxServedOffloads, AdminSettings admin) {
        this(nats, subjectPrefix, heartbeatInterval, peerIntervals, discoveryWindow, expectedNodes, maxNodes, breaker, payloads,
                maxServedOffloads, admin, HedgeSettings.DEFAULT);
    }

    public FabricSettings {
        requireNonNull(nats, "nats is null");
        if (subjectPrefix == null || !PREFIX.matcher(subjectPrefix).matches()) {
            throw new InvalidSettingsException("invalid fabric.subject-prefix '" + subjectPrefix
                    + "': one or more subject tokens of letters, digits, '_' and '-', separated by '.' (no wildcards)");
        }
        positive(heartbeatInterval, "fabric.heartbeat-interval-ms");
        requireNonNull(peerIntervals, "peerIntervals is null");
        positive(discoveryWindow, "fabric.discovery-window-ms");
        expectedNodes = List.copyOf(expectedNodes);
        expectedNodes.forEach(NodeId::require);
        if (maxNodes < 1 || maxServedOffloads < 1) {
            throw new InvalidSettingsException("fabric.max-nodes and fabric.max-served-offloads must be positive");
        }
        requireNonNull(breaker, "breaker is null");
        requireNonNull(payloads, "payloads is null");
        requireNonNull(admin, "admin is null");
        requireNonNull(hedge, "hedge is null");
    }

    private static void positive(Duration duration, String key) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new InvalidSettingsException(key + " must be positive");
        }
    }

    /** Reads the fabric settings of a node that has a NATS URL configured. */
    public static FabricSettings of(NodeSettings settings) {
        String urls = settings.natsUrl().orElseThrow(() -> new IllegalArgumentException("no NATS URL configured"));
        Config fabric = settings.section("fabric");
        Duration heartbeat = millis(fabric, "heartbeat-interval-ms", 5000);
        PeerIntervals around = PeerIntervals.around(heartbeat);
        return new FabricSettings(
                NatsSettings.of(urls, settings.section("nats"), heartbeat),
                fabric.get("subject-prefix").asString().map(String::strip).orElse("capfabric"),
                heartbeat,
                new PeerIntervals(millis(fabric, "peer-interval.min-ms", around.shortest().toMillis()),
                        millis(fabric, "peer-interval.max-ms", around.longest().toMillis())),
                millis(fabric, "discovery-window-ms", 250),
                list(fabric.get("expected-nodes").exists() ? fabric.get("expected-nodes") : fabric.get("expected_nodes")),
                fabric.get("max-nodes").asInt().orElse(4096),
                new BreakerSettings(
                        fabric.get("breaker.failures").asInt().orElse(3),
                        millis(fabric, "breaker.window-ms", 60_000),
                        millis(fabric, "breaker.open-ms", 120_000)),
                new PayloadStoreSettings(
                        fabric.get("payloads.bucket").asString().orElse("capfabric-payloads"),
                        millis(fabric, "payloads.ttl-ms", 600_000),
                        fabric.get("payloads.storage").asString().map("memory"::equalsIgnoreCase).orElse(false)),
                fabric.get("max-served-offloads").asInt().orElse(256),
                new AdminSettings(
                        fabric.get("admin.enabled").asBoolean().orElse(false),
                        settings.pluginsDir(),
                        fabric.get("admin.max-jar-bytes").asLong().orElse(0L),
                        millis(fabric, "admin.timeout-ms", 30_000),
                        dev.capfabric.kernel.config.ConfigDigest.of(settings.config())),
                new HedgeSettings(
                        fabric.get("hedge.enabled").asBoolean().orElse(HedgeSettings.DEFAULT.enabled()),
                        fabric.get("hedge.quantile").asDouble().orElse(HedgeSettings.DEFAULT.quantile()),
                        fabric.get("hedge.max-fraction").asDouble().orElse(HedgeSettings.DEFAULT.maxFraction()),
                        millis(fabric, "hedge.window-ms", HedgeSettings.DEFAULT.window().toMillis())));
    }

    static Duration millis(Config config, String key, long fallback) {
        return Duration.ofMillis(config.get(key).asLong().orElse(fallback));
    }

    static List<String> list(Config node) {
        List<String> values = node.isList()
                ? node.asList(String.class).orElse(List.of())
                : node.asString().map(s -> Arrays.asList(s.split(","))).orElse(List.of());
        List<String> cleaned = new ArrayList<>();
        values.stream().map(String::strip).filter(s -> !s.isEmpty()).forEach(cleaned::add);
        return cleaned;
    }
}
