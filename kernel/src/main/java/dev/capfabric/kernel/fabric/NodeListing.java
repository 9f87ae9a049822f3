package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.node.CapabilitySummary;

import java.util.List;
import java.util.Map;

/**
 * The body of {@code GET /v1/nodes}: the registry, every node with its status, this one first. Its
 * size is bounded by {@code fabric.max-nodes}: only nodes that answered on their own subject, and
 * expected ones, are listed.
 *
 * @param link  this node's NATS link: when down, statuses and loads are as last heard ({@code age_s})
 * @param nodes the nodes
 */
public record NodeListing(LinkState link, List<Node> nodes) {

    public NodeListing(List<Node> nodes) {
        this(LinkState.NONE, nodes);
    }

    /**
     * One node.
     *
     * @param nodeId       its id
     * @param httpUrl      where its HTTP API answers, as it advertises itself; null until known
     * @param status       {@code ok}, {@code stale}, {@code gone}, {@code unknown} or {@code draining}
     * @param ageS         seconds since it was last heard; null when never
     * @param capabilities what it can do, by capability name (empty until known)
     * @param load         its last reported load
     * @param breaker      this node's circuit for it; null for this node itself
     */
    public record Node(String nodeId, String httpUrl, NodeStatus status, Double ageS, Map<String, CapabilitySummary> capabilities, FabricLoad load,
                       Breaker breaker) {

        public Node(String nodeId, String httpUrl, NodeStatus status, Double ageS, Map<String, CapabilitySummary> capabilities,
                    FabricLoad load) {
            this(nodeId, httpUrl, status, ageS, capabilities, load, null);
        }
    }

    /**
     * This node's circuit breaker for a peer.
     *
     * @param state     {@code closed} (jobs may go there) or {@code open} (skipped after repeated failures)
     * @param openForS  seconds the circuit stays open; null when closed
     */
    public record Breaker(String state, Double openForS) {
        static final Breaker CLOSED = new Breaker("closed", null);
    }
}
