package dev.capfabric.kernel.console;

import java.util.List;

/**
 * The body of one {@code fleet} event of {@code GET /v1/nodes/events}: the fleet as the serving node
 * sees it now.
 *
 * @param viewer      the node that sees it (the one serving the page)
 * @param sentAtMs    when it was taken, epoch milliseconds by the viewer's clock: the page counts
 *                    ages against it, not against its own clock
 * @param link        the viewer's NATS link: {@code up}, {@code down} (what is listed is as last heard)
 *                    or {@code none} (it runs alone)
 * @param nodes       every node of the viewer's registry, the viewer first
 */
public record FleetSnapshot(String viewer, long sentAtMs, String link, List<FleetNode> nodes) {

    public FleetSnapshot {
        nodes = List.copyOf(nodes);
    }

    /** Whether {@code other} shows the same fleet, whenever taken (records all the way down: compared by value). */
    public boolean sameFleet(FleetSnapshot other) {
        return other != null && viewer.equals(other.viewer) && link.equals(other.link) && nodes.equals(other.nodes);
    }
}
