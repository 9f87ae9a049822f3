package dev.capfabric.kernel.dispatch;

import dev.capfabric.kernel.plugins.PluginHost;
import dev.capfabric.kernel.plugins.ProviderSlot;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Job;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import static java.util.Objects.requireNonNull;

/**
 * Runs every job on this node: the route of a node that is not part of a fabric.
 */
public final class LocalRoute implements JobRoute {

    private final String nodeId;
    private final Dispatcher dispatcher;
    private final PluginHost plugins;

    public LocalRoute(String nodeId, Dispatcher dispatcher, PluginHost plugins) {
        this.nodeId = requireNonNull(nodeId, "nodeId is null");
        this.dispatcher = requireNonNull(dispatcher, "dispatcher is null");
        this.plugins = requireNonNull(plugins, "plugins is null");
    }

    @Override
    public Outcome run(Job job, Optional<String> pinnedNode) {
        if (pinnedNode.isPresent() && !pinnedNode.get().equals(nodeId)) {
            return new Outcome.Failed(503, "unavailable", "node '" + pinnedNode.get() + "' is not reachable: this node ("
                    + nodeId + ") runs alone, without a fabric", nodeId, Optional.empty(), Optional.empty(), Map.of());
        }
        return runHere(dispatcher, job, nodeId);
    }

    /** Queues a job on {@code dispatcher} and waits for it until its deadline; marks it cancelled on giving up. */
    public static Outcome runHere(Dispatcher dispatcher, Job job, String nodeId) {
        return switch (dispatcher.submitAndWait(job)) {
            case Dispatcher.Admission.Refused refused -> refused.outcome();
            case Dispatcher.Admission.Queued queued -> queued.await();
        };
    }

    @Override
    public boolean knows(Capability capability) {
        return plugins.inventory().claims(capability);
    }

    @Override
    public long maxInputBytes(Capability capability, Optional<String> provider) {
        return dispatcher.maxInputBytes(capability, provider);
    }

    @Override
    public int parallelism(Capability capability, Optional<String> provider) {
        return Math.max(1, dispatcher.concurrency(capability));
    }

    @Override
    public Set<String> knownCapabilities() {
        Set<String> names = new TreeSet<>();
        plugins.inventory().known().forEach(c -> names.add(c.name()));
        return names;
    }
}
