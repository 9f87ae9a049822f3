package dev.capfabric.kernel.console;

import dev.capfabric.kernel.fabric.FabricView;
import dev.capfabric.kernel.fabric.NodeListing;
import dev.capfabric.kernel.node.NodeCaps;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** Takes the fleet's picture for the console from what the node already knows (its registry and /caps). */
public final class FleetSnapshots {

    private final String viewer;
    private final FabricView view;
    private final Clock clock;

    public FleetSnapshots(String viewer, FabricView view, Clock clock) {
        this.viewer = requireNonNull(viewer, "viewer is null");
        this.view = requireNonNull(view, "view is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** The fleet now. Costs one registry listing and one capabilities lookup per node, no I/O. */
    public FleetSnapshot take() {
        long now = clock.millis();
        NodeListing listing = view.nodes(false);
        List<FleetNode> nodes = new ArrayList<>(listing.nodes().size());
        for (NodeListing.Node node : listing.nodes()) {
            boolean self = node.nodeId().equals(viewer);
            Optional<NodeCaps> caps = view.caps(node.nodeId());
            // age is measured on the same clock: now - age is when it was last heard, stable between heartbeats
            Long heardAt = self || node.ageS() == null ? null : Math.round((now - node.ageS() * 1000) / 10.0) * 10;
            nodes.add(new FleetNode(node.nodeId(), node.httpUrl(), node.status(), self, heardAt,
                    caps.map(NodeCaps::version).orElse(null), caps.map(NodeCaps::hardware).orElse(null),
                    node.capabilities(), node.load(), node.breaker()));
        }
        return new FleetSnapshot(viewer, now, listing.link().state(), nodes);
    }
}
