package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.dispatch.Dispatcher;
import dev.capfabric.kernel.dispatch.JobMetrics;
import dev.capfabric.kernel.http.Json;
import dev.capfabric.kernel.node.CapabilitySummary;
import dev.capfabric.kernel.node.NodeCaps;
import dev.capfabric.kernel.node.NodeDescriber;
import dev.capfabric.kernel.node.NodeLoad;
import dev.capfabric.kernel.plugins.Inventory;
import dev.capfabric.kernel.plugins.PluginHost;
import dev.capfabric.kernel.plugins.ProviderSlot;
import dev.capfabric.spi.Capability;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/**
 * This node as the fabric presents it: its capabilities, their digest and its load, read live from
 * the plugin host and the dispatcher.
 */
final class LocalNode {

    private final String nodeId;
    // this process, among any others that (wrongly) run with the same node id
    private final String instance = Long.toHexString(new java.security.SecureRandom().nextLong());
    private final NodeDescriber describer;
    private final Dispatcher dispatcher;
    private final PluginHost plugins;
    private volatile boolean draining;
    // derived once per inventory change: routing reads them for every job
    private volatile Derived derived;

    private record Derived(Map<String, CapabilitySummary> capabilities, String digest) {
    }

    LocalNode(String nodeId, NodeDescriber describer, Dispatcher dispatcher, PluginHost plugins) {
        this.nodeId = requireNonNull(nodeId, "nodeId is null");
        this.describer = requireNonNull(describer, "describer is null");
        this.dispatcher = requireNonNull(dispatcher, "dispatcher is null");
        this.plugins = requireNonNull(plugins, "plugins is null");
        plugins.addListener(() -> derived = null);
    }

    String nodeId() {
        return nodeId;
    }

    /** A random id of this process, sent with heartbeats. */
    String instance() {
        return instance;
    }

    /** The full description, as on {@code /caps}. */
    NodeCaps caps() {
        return describer.describe();
    }

    /** Where this node's HTTP API answers; null before it serves. */
    String httpUrl() {
        return describer.httpUrl().orElse(null);
    }

    /** Capabilities derived from the usable providers. */
    Map<String, CapabilitySummary> capabilities() {
        return derived().capabilities();
    }

    private Derived derived() {
        Derived current = derived;
        if (current == null) {
            Map<String, CapabilitySummary> capabilities = Collections.unmodifiableMap(NodeDescriber.capabilities(plugins.inventory()));
            current = new Derived(capabilities, digest(capabilities));
            derived = current;
        }
        return current;
    }

    Inventory inventory() {
        return plugins.inventory();
    }

    Dispatcher dispatcher() {
        return dispatcher;
    }

    /** Identifies the capabilities: equal digests mean equal capabilities. */
    String digest() {
        return derived().digest();
    }

    static String digest(Map<String, CapabilitySummary> capabilities) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(Json.bytes(new TreeMap<>(capabilities)));
            return HexFormat.of().formatHex(hash, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** The load now: CPU, memory, and per capability queue depth, running jobs, concurrency and service time. */
    FabricLoad load() {
        NodeLoad load = describer.load();
        Inventory inventory = plugins.inventory();
        Map<String, Integer> concurrency = new TreeMap<>();
        Map<String, Double> service = new TreeMap<>();
        for (Capability capability : inventory.capabilities()) {
            int declared = inventory.usable(capability).stream().mapToInt(ProviderSlot::concurrency).sum();
            concurrency.put(capability.name(), Math.max(1, Math.min(declared, dispatcher.settingsFor(capability).maxWorkers())));
            service.put(capability.name(), Math.round(dispatcher.serviceTimeMillis(capability) * 100) / 100.0);
        }
        JobMetrics.Totals totals = dispatcher.jobTotals();
        return new FabricLoad(load.cpu(), load.memory(), load.queueDepth(), load.inflight(), concurrency, service,
                totals.finished(), totals.failed());
    }

    boolean draining() {
        return draining;
    }

    /** From now on the node says it is draining: peers route no new jobs to it. */
    void startDraining() {
        draining = true;
    }

    /** The node takes jobs from its peers again. */
    void stopDraining() {
        draining = false;
    }
}
