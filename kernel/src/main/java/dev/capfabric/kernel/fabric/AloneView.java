package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.dispatch.Dispatcher;
import dev.capfabric.kernel.node.CapabilitySummary;
import dev.capfabric.kernel.node.NodeCaps;
import dev.capfabric.kernel.node.NodeDescriber;
import dev.capfabric.kernel.plugins.PluginHost;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/** The fabric of a node that runs alone (no NATS configured): itself, and nothing else. */
public final class AloneView implements FabricView {

    private final LocalNode local;
    private final Clock clock;

    public AloneView(String nodeId, NodeDescriber describer, Dispatcher dispatcher, PluginHost plugins, Clock clock) {
        this.local = new LocalNode(nodeId, describer, dispatcher, plugins);
        this.clock = requireNonNull(clock, "clock is null");
    }

    @Override
    public GlobalView globalView(boolean fresh) {
        Map<String, CapabilitySummary> capabilities = local.capabilities();
        Map<String, List<String>> index = new TreeMap<>();
        capabilities.keySet().forEach(name -> index.put(name, List.of(local.nodeId())));
        return new GlobalView(local.nodeId(), 1,
                Map.of(local.nodeId(), new GlobalView.Node(local.httpUrl(), capabilities, local.load(), NodeStatus.OK, 0.0)),
                index, clock.instant().toString());
    }

    @Override
    public NodeListing nodes(boolean fresh) {
        return new NodeListing(List.of(new NodeListing.Node(local.nodeId(), local.httpUrl(), NodeStatus.OK, 0.0, local.capabilities(), local.load())));
    }

    @Override
    public Optional<NodeCaps> caps(String nodeId) {
        return nodeId.equals(local.nodeId()) ? Optional.of(local.caps()) : Optional.empty();
    }
}
