package dev.capfabric.kernel.fabric.identity;

import dev.capfabric.kernel.config.NodeId;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * What one node's NATS identity may publish and subscribe to, under subject prefix {@code prefix}:
 * exactly its own subjects, its own inbox ({@code _INBOX.<id>.>}, see {@link #inboxPrefix}), the
 * shared discovery and heartbeat subscriptions, and sending requests (jobs, caps, cancels) to other
 * nodes. Answers go back through the server's response permission ({@code allow_responses}), so a node
 * can answer what it was asked and nothing else.
 *
 * <p>So a node cannot heartbeat, say bye or answer as another node (it may not publish on another
 * node's subjects, nor subscribe to them), cannot read another node's replies (it may subscribe only
 * to its own inbox), and cannot send admin verbs to any node, itself included (only the operator
 * identity may).
 *
 * @param prefix the fabric's subject prefix ({@code capfabric})
 * @param nodeId the node
 */
public record NodePermissions(String prefix, String nodeId) {

    public NodePermissions {
        requireNonNull(prefix, "prefix is null");
        NodeId.require(nodeId);
    }

    /** The inbox prefix the node's connection uses: its replies arrive under {@code _INBOX.<id>.}. */
    public static String inboxPrefix(String nodeId) {
        NodeId.require(nodeId);
        return "_INBOX." + nodeId;
    }

    public List<String> publishAllow() {
        return List.of(
                prefix + ".node." + nodeId + ".>",
                prefix + ".discover",
                prefix + ".node.*.caps",
                prefix + ".node.*.cap.>",
                prefix + ".node.*.cancel");
    }

    public List<String> publishDeny() {
        return List.of(prefix + ".node.*.admin.>");
    }

    public List<String> subscribeAllow() {
        return List.of(
                prefix + ".node." + nodeId + ".>",
                prefix + ".discover",
                prefix + ".node.*.heartbeat",
                prefix + ".node.*.bye",
                inboxPrefix(nodeId) + ".>",
                // the NATS service API ($SRV.PING/INFO/STATS) that registers every node as service capfabric
                "$SRV.>");
    }
}
