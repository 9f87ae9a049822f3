package dev.capfabric.kernel.node;

import dev.capfabric.kernel.plugins.PluginReport;
import dev.capfabric.kernel.plugins.ProviderReport;

import java.util.List;
import java.util.Map;

/**
 * What a node is and can do: the body of {@code GET /caps}, of discovery replies and of full
 * heartbeats. Field names on the wire are the snake_case forms of these components.
 *
 * @param nodeId       the node's id
 * @param version      the kernel version
 * @param httpUrl      where its HTTP API answers, as it advertises itself ({@code capfabric.advertised-url},
 *                     else {@code http://<host>:<port>}); null before it serves
 * @param startedAt    when the node started, ISO-8601
 * @param hardware     the machine
 * @param load         the current load
 * @param capabilities per capability name, who serves it and what they offer
 * @param providers    every provider, usable or not, with reasons
 * @param plugins      every plugin, loaded or failed
 */
public record NodeCaps(String nodeId,
                       String version,
                       String httpUrl,
                       String startedAt,
                       HardwareProfile hardware,
                       NodeLoad load,
                       Map<String, CapabilitySummary> capabilities,
                       List<ProviderReport> providers,
                       List<PluginReport> plugins) {
}
