package dev.capfabric.kernel.console;

import dev.capfabric.kernel.fabric.FabricLoad;
import dev.capfabric.kernel.fabric.NodeListing;
import dev.capfabric.kernel.fabric.NodeStatus;
import dev.capfabric.kernel.node.CapabilitySummary;
import dev.capfabric.kernel.node.HardwareProfile;

import java.util.Map;

/**
 * One node as the console's fleet view shows it: {@code /v1/nodes}' entry with what the page needs
 * besides (version, hardware). Jobs finished and failed per capability are in {@code load}: the page
 * turns their growth into jobs/s and an error rate. Times are instants ({@code heard_at_ms}) rather than ages, so
 * that an unchanged node gives an unchanged event and the page counts ages itself.
 *
 * @param nodeId       its id
 * @param httpUrl      where its HTTP API answers; null until known
 * @param status       {@code ok}, {@code stale}, {@code gone}, {@code unknown} or {@code draining}
 * @param self         whether it is the node serving the page
 * @param heardAtMs    when this node last heard it (epoch milliseconds, by this node's clock); null when
 *                     never, and for this node itself (always now)
 * @param version      its kernel version; null until its capabilities arrived
 * @param hardware     its machine; null until its capabilities arrived
 * @param capabilities what it can do
 * @param load         its last reported load
 * @param breaker      this node's circuit breaker for it; null for this node itself
 */
public record FleetNode(String nodeId, String httpUrl, NodeStatus status, boolean self, Long heardAtMs, String version,
                        HardwareProfile hardware, Map<String, CapabilitySummary> capabilities, FabricLoad load,
                        NodeListing.Breaker breaker) {
}
