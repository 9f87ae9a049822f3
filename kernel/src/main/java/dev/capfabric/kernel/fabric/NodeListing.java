package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.node.CapabilitySummary;

import java.util.List;
import java.util.Map;

/**
 * The body of {@code GET /v1/nodes}: the registry, every node with its status, this one first.
 *
 * @param nodes the nodes
 */
public record NodeListing(List<Node> nodes) {

    /**
     * One node.
     *
     * @param nodeId       its id
     * @param status       {@code ok}, {@code stale}, {@code gone}, {@code unknown} or {@code draining}
     * @param ageS         seconds since it was last heard; null when never
     * @param capabilities what it can do, by capability name (empty until known)
     * @param load         its last reported load
     */
    public record Node(String nodeId, NodeStatus status, Double ageS, Map<String, CapabilitySummary> capabilities, FabricLoad load) {
    }
}
