package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.node.CapabilitySummary;

import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * What routing knows of another node at one instant.
 *
 * @param nodeId       its id
 * @param status       its status now
 * @param age          seconds since it was last heard; empty when never
 * @param capabilities what it can do, by capability name (empty until its capabilities arrived); an
 *                     unmodifiable map, kept as given: routing builds these views for every job
 * @param load         its last reported load
 */
record RemoteNode(String nodeId, NodeStatus status, Optional<Double> age, Map<String, CapabilitySummary> capabilities,
                  FabricLoad load) {

    /** Used when a node never reported a service time for a capability. */
    static final double DEFAULT_SERVICE_MILLIS = 100;

    RemoteNode {
        requireNonNull(nodeId, "nodeId is null");
        requireNonNull(status, "status is null");
        requireNonNull(age, "age is null");
        requireNonNull(capabilities, "capabilities is null");
        requireNonNull(load, "load is null");
    }

    boolean has(String capability) {
        return capabilities.containsKey(capability);
    }

    int concurrency(String capability) {
        return Math.max(1, load.concurrency().getOrDefault(capability, 1));
    }

    double serviceMillis(String capability) {
        double reported = load.serviceMillis().getOrDefault(capability, 0.0);
        return reported > 0 ? reported : DEFAULT_SERVICE_MILLIS;
    }

    int queueDepth(String capability) {
        return Math.max(0, load.queueDepth().getOrDefault(capability, 0));
    }
}
