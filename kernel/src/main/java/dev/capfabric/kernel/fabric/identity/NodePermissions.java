package dev.capfabric.kernel.fabric.identity;

import dev.capfabric.kernel.config.NodeId;

import java.util.ArrayList;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * What one node's NATS identity may publish and subscribe to, under subject prefix {@code prefix}:
 * exactly its own subjects, its own inbox ({@code _INBOX.<id>.>}, see {@link #inboxPrefix}), the
 * shared discovery and heartbeat subscriptions, the events other nodes publish for the jobs it offloaded
 * to them ({@code <prefix>.node.*.events.<its id>.*}), sending requests (jobs, caps) to other nodes, cancelling
 * only the jobs it sent ({@code <prefix>.node.*.cancel.<its id>}) and the fabric's JetStream assets
 * ({@link FabricStore}), and plugin rollout progress ({@code <prefix>.rollout.*}, shown to people only).
 * Answers go back through the server's response permission
 * ({@code allow_responses}), so a node can answer what it was asked and nothing else.
 *
 * <p>So a node cannot heartbeat, say bye or answer as another node (it may not publish on another
 * node's subjects, nor subscribe to them), cannot read another node's replies (it may subscribe only
 * to its own inbox), cannot stop another node's jobs, and cannot send admin verbs to any node, itself
 * included. Admin verbs are for the operator, and for a node's separate admin identity
 * ({@link #adminPublishAllow}), which carries to other nodes only what an {@code admin} API key asked
 * for over that node's HTTP admin routes.
 *
 * @param prefix the fabric's subject prefix ({@code capfabric})
 * @param nodeId the node
 * @param stores the fabric's JetStream assets
 */
public record NodePermissions(String prefix, String nodeId, List<FabricStore> stores) {

    public NodePermissions {
        requireNonNull(prefix, "prefix is null");
        NodeId.require(nodeId);
        stores = List.copyOf(stores);
    }

    /** The inbox prefix the node's connection uses: its replies arrive under {@code _INBOX.<id>.}. */
    public static String inboxPrefix(String nodeId) {
        NodeId.require(nodeId);
        return "_INBOX." + nodeId;
    }

    /**
     * The inbox prefix of the node's admin connection, {@code _INBOX_ADMIN.<id>}: apart from the
     * node's own inbox, so the node identity cannot read admin answers, and apart from every other
     * node's inbox (a node id never holds a dot).
     */
    public static String adminInboxPrefix(String nodeId) {
        NodeId.require(nodeId);
        return "_INBOX_ADMIN." + nodeId;
    }

    public List<String> publishAllow() {
        List<String> allow = new ArrayList<>(List.of(
                prefix + ".node." + nodeId + ".>",
                prefix + ".discover",
                prefix + ".node.*.caps",
                prefix + ".node.*.cap.>",
                // cancels carry their sender's id as the last token: a node cancels only its own jobs
                prefix + ".node.*.cancel." + nodeId,
                // the progress of a plugin rollout it takes part in (POST /admin/rollout): display only
                prefix + ".rollout.*",
                // durable jobs: any node may run any of them, so their progress and cancels are the fleet's
                prefix + ".jobs.events.*",
                prefix + ".jobs.cancel.*"));
        allow.addAll(jetStream());
        return List.copyOf(allow);
    }

    public List<String> publishDeny() {
        // its own subjects include its own admin verbs: not the node's to send
        return List.of(prefix + ".node.*.admin.>");
    }

    public List<String> subscribeAllow() {
        return List.of(
                prefix + ".node." + nodeId + ".>",
                prefix + ".discover",
                prefix + ".node.*.heartbeat",
                prefix + ".node.*.bye",
                inboxPrefix(nodeId) + ".>",
                // the progress and partial results of the jobs it offloaded, from whichever node runs them
                prefix + ".node.*.events." + nodeId + ".*",
                // the progress of the plugin rollouts it runs for its HTTP callers
                prefix + ".rollout.*",
                prefix + ".jobs.events.*",
                prefix + ".jobs.cancel.*",
                // the NATS service API ($SRV.PING/INFO/STATS) that registers every node as service capfabric
                "$SRV.>");
    }

    /** What the node's admin identity may publish: the admin verbs of every node, and the fabric's JetStream assets. */
    public List<String> adminPublishAllow() {
        List<String> allow = new ArrayList<>(List.of(prefix + ".node.*.admin.>"));
        allow.addAll(FabricStore.common());
        stores.forEach(store -> allow.addAll(store.publish(FabricStore.Access.READ_WRITE)));
        return List.copyOf(allow);
    }

    /** What the node's admin identity may subscribe to: its own inbox only. */
    public List<String> adminSubscribeAllow() {
        return List.of(adminInboxPrefix(nodeId) + ".>");
    }

    /** The JetStream subjects a node may publish: what each asset grants nodes. */
    private List<String> jetStream() {
        List<String> allow = new ArrayList<>(FabricStore.common());
        stores.forEach(store -> allow.addAll(store.publish(store.nodes())));
        return allow;
    }
}
