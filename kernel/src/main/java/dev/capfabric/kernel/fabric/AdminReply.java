package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.plugins.PluginJar;
import dev.capfabric.kernel.plugins.ProviderReport;

import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * The body of a successful answer on {@code <prefix>.node.<id>.admin.<verb>}: {@code {"ok": ...}}.
 * Failures answer {@link dev.capfabric.kernel.http.ApiError}'s {@code {"error": {"kind", "message"}}}.
 *
 * @param ok what the verb did or found
 * @param <T> the verb's own answer
 */
public record AdminReply<T>(T ok) {

    public AdminReply {
        requireNonNull(ok, "ok is null");
    }

    /**
     * Where a node stands after {@code drain} or {@code undrain}.
     *
     * @param nodeId          the node
     * @param status          {@code draining} or {@code ok}
     * @param offloadsRunning jobs from other nodes it still holds; a drained node is idle when this and
     *                        every {@code inflight} count are 0
     * @param inflight        per capability, jobs running on it now (local and offloaded)
     */
    public record NodeState(String nodeId, NodeStatus status, int offloadsRunning, Map<String, Integer> inflight) {
        public NodeState {
            requireNonNull(nodeId, "nodeId is null");
            requireNonNull(status, "status is null");
            inflight = Map.copyOf(inflight);
        }
    }

    /**
     * The node's plugins, as {@code /caps} lists them.
     *
     * @param nodeId       the node
     * @param plugins      every plugin in its plugins folder, loaded or failed
     * @param jars         every jar of those plugins, with its version and SHA-256
     * @param configDigest the SHA-256 of the node's effective configuration (equal digests, equal settings)
     */
    public record Plugins(String nodeId, List<Plugin> plugins, List<PluginJar> jars, String configDigest) {
        public Plugins {
            plugins = List.copyOf(plugins);
            jars = List.copyOf(jars);
        }
    }

    /**
     * One plugin with the providers it supplies.
     *
     * @param name      the plugin's name: its jar's name without {@code .jar}, or its folder's name
     * @param file      the jar or folder in the plugins folder
     * @param status    {@code loaded} or {@code failed}
     * @param error     why it failed, or what went wrong with some of its factories; null when nothing did
     * @param modules   the modules of its layer
     * @param providers its providers, usable or not, as on {@code /caps}
     */
    public record Plugin(String name, String file, String status, String error, List<String> modules, List<ProviderReport> providers) {
        public Plugin {
            requireNonNull(name, "name is null");
            modules = List.copyOf(modules);
            providers = List.copyOf(providers);
        }
    }

    /**
     * What {@code install} or {@code remove} did.
     *
     * @param nodeId   the node
     * @param action   {@code installed}, {@code replaced} or {@code removed}
     * @param plugin   the plugin as loaded, or as it was before it was removed
     */
    public record Change(String nodeId, String action, Plugin plugin) {
        public Change {
            requireNonNull(nodeId, "nodeId is null");
            requireNonNull(action, "action is null");
            requireNonNull(plugin, "plugin is null");
        }
    }
}
