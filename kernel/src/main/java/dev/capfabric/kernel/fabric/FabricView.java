package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.node.NodeCaps;

import java.util.Optional;

/** What a node knows of the fabric, for {@code /v1/capabilities} and {@code /v1/nodes}. */
public interface FabricView {

    /**
     * The global view.
     *
     * @param fresh run a discovery first, so the view holds every node reachable now
     */
    GlobalView globalView(boolean fresh);

    /**
     * The registry with statuses.
     *
     * @param fresh run a discovery first
     */
    NodeListing nodes(boolean fresh);

    /**
     * A node's full capabilities ({@code /caps}) as this node knows them: its own now, a peer's as last
     * heard (their load may be older than {@link #nodes(boolean)}'s); empty for a node never heard.
     */
    default Optional<NodeCaps> caps(String nodeId) {
        return Optional.empty();
    }
}
