package dev.capfabric.kernel.node;

import dev.capfabric.kernel.plugins.Inventory;
import dev.capfabric.kernel.plugins.LanguageTags;
import dev.capfabric.kernel.plugins.PluginHost;
import dev.capfabric.kernel.plugins.ProviderSlot;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.ProviderDescription;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import static java.util.Objects.requireNonNull;

/**
 * Builds the node's {@link NodeCaps} from its plugins, hardware and load. Capabilities are derived
 * here: a capability is present when at least one enabled, usable provider serves it.
 */
public final class NodeDescriber {

    /** Where per-capability queue depth and in-flight counts come from (the dispatcher). */
    public interface QueueGauges {
        /** Jobs waiting, per capability. */
        Map<String, Integer> queueDepth();

        /** Jobs running, per capability. */
        Map<String, Integer> inflight();
    }

    private final String nodeId;
    private final String version;
    private final Instant startedAt;
    private final CompletableFuture<HardwareProfile> hardware;
    private final LoadSampler load;
    private final PluginHost plugins;
    private volatile QueueGauges gauges;
    private volatile String httpUrl;

    public NodeDescriber(String nodeId, String version, Instant startedAt, CompletableFuture<HardwareProfile> hardware,
                         LoadSampler load, PluginHost plugins) {
        this.nodeId = requireNonNull(nodeId, "nodeId is null");
        this.version = requireNonNull(version, "version is null");
        this.startedAt = requireNonNull(startedAt, "startedAt is null");
        this.hardware = requireNonNull(hardware, "hardware is null");
        this.load = requireNonNull(load, "load is null");
        this.plugins = requireNonNull(plugins, "plugins is null");
        this.gauges = new QueueGauges() {
            @Override
            public Map<String, Integer> queueDepth() {
                return Map.of();
            }

            @Override
            public Map<String, Integer> inflight() {
                return inflightFromProviders(plugins.inventory());
            }
        };
    }

    /** Lets the dispatcher supply live queue depth and in-flight counts. */
    public void useGauges(QueueGauges gauges) {
        this.gauges = requireNonNull(gauges, "gauges is null");
    }

    /** The URL of this node's HTTP API, once it serves; other nodes and operators read it from the node records. */
    public void advertise(String httpUrl) {
        this.httpUrl = requireNonNull(httpUrl, "httpUrl is null");
    }

    /** The URL of this node's HTTP API; empty before it serves. */
    public java.util.Optional<String> httpUrl() {
        return java.util.Optional.ofNullable(httpUrl);
    }

    public String nodeId() {
        return nodeId;
    }

    public String version() {
        return version;
    }

    /** The full description, as of now. */
    public NodeCaps describe() {
        Inventory inventory = plugins.inventory();
        return new NodeCaps(nodeId, version, httpUrl, startedAt.toString(), hardware.join(), load(), capabilities(inventory),
                inventory.providers().stream().map(ProviderSlot::report).toList(), inventory.plugins());
    }

    /** The current load. */
    public NodeLoad load() {
        LoadSampler.Sample sample = load.latest();
        return new NodeLoad(sample.cpu(), sample.memory(), gauges.queueDepth(), gauges.inflight());
    }

    /** Capabilities derived from usable providers, by name. */
    public static Map<String, CapabilitySummary> capabilities(Inventory inventory) {
        Map<String, CapabilitySummary> capabilities = new TreeMap<>();
        for (Capability capability : inventory.capabilities()) {
            capabilities.put(capability.name(), summarise(inventory.usable(capability)));
        }
        return capabilities;
    }

    /** What {@code slots} offer together, in their order. */
    public static CapabilitySummary summarise(List<ProviderSlot> slots) {
        return new CapabilitySummary(
                slots.stream().map(ProviderSlot::id).toList(),
                union(slots, ProviderDescription::models),
                LanguageTags.normaliseAll(union(slots, ProviderDescription::languages)),
                union(slots, ProviderDescription::voices),
                slots.stream().mapToLong(ProviderSlot::maxInputBytes).max().orElse(0));
    }

    private static List<String> union(List<ProviderSlot> slots, java.util.function.Function<ProviderDescription, List<String>> field) {
        Set<String> values = new LinkedHashSet<>();
        slots.forEach(slot -> slot.description().ifPresent(d -> values.addAll(field.apply(d))));
        return List.copyOf(values);
    }

    private static Map<String, Integer> inflightFromProviders(Inventory inventory) {
        Map<String, Integer> inflight = new TreeMap<>();
        for (ProviderSlot slot : inventory.providers()) {
            if (slot.capability() != null) {
                inflight.merge(slot.capability().name(), slot.inflight(), Integer::sum);
            }
        }
        return inflight;
    }
}
