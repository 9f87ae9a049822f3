package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.node.CapabilitySummary;

import java.util.List;
import java.util.Map;

/**
 * The body of {@code GET /v1/capabilities}: every node of the fabric this node knows (gone nodes
 * left out), with its capabilities, load, status and age, and for every capability the nodes that
 * have it.
 *
 * @param localNode    this node's id
 * @param nodeCount    the number of nodes listed, this one included
 * @param nodes        by node id
 * @param capabilities by capability name, the ids of the nodes that have it
 * @param updatedAt    when this view was taken, ISO-8601
 * @param link         this node's NATS link: when down, the other nodes are as last heard ({@code age_s})
 */
public record GlobalView(String localNode,
                         int nodeCount,
                         Map<String, Node> nodes,
                         Map<String, List<String>> capabilities,
                         String updatedAt,
                         LinkState link) {

    public GlobalView(String localNode, int nodeCount, Map<String, Node> nodes, Map<String, List<String>> capabilities, String updatedAt) {
        this(localNode, nodeCount, nodes, capabilities, updatedAt, LinkState.NONE);
    }

    /**
     * One node.
     *
     * @param httpUrl      where its HTTP API answers, as it advertises itself; null until known
     * @param capabilities what it can do, by capability name
     * @param load         its last reported load
     * @param status       {@code ok}, {@code stale} or {@code draining}
     * @param ageS         seconds since it was last heard (0 for this node)
     */
    public record Node(String httpUrl, Map<String, CapabilitySummary> capabilities, FabricLoad load, NodeStatus status, Double ageS) {
    }
}
