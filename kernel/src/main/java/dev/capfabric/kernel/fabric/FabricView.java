package dev.capfabric.kernel.fabric;

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
}
