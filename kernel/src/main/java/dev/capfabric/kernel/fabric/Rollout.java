package dev.capfabric.kernel.fabric;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * How a plugin rollout ended ({@code POST /admin/rollout}): one result per target node.
 *
 * @param rollout   its id, as in the {@link RolloutProgress} events
 * @param file      the jar's file name
 * @param bytes     the jar's size
 * @param sha256    the jar's SHA-256, hex
 * @param transport {@code object_store} (through the JetStream Object Store) or {@code inline} (in the
 *                  request message itself, for jars that fit one NATS message)
 * @param nodes     per target node, in the order asked
 * @param failed    how many nodes failed
 */
public record Rollout(String rollout, String file, long bytes, String sha256, String transport, List<NodeResult> nodes, int failed) {

    public Rollout {
        requireNonNull(rollout, "rollout is null");
        nodes = List.copyOf(nodes);
    }

    /**
     * What one node did.
     *
     * @param nodeId    the node
     * @param ok        whether the plugin is loaded there now
     * @param status    the HTTP-like status of its answer (200 when ok)
     * @param action    {@code installed} or {@code replaced} when ok; null otherwise
     * @param plugin    the plugin's name
     * @param errorKind the error kind when not ok ({@code load_failed}, {@code bad_input}, {@code timeout}, {@code not_found} ...)
     * @param message   why, when not ok
     */
    public record NodeResult(String nodeId, boolean ok, int status, String action, String plugin, String errorKind, String message) {
        public NodeResult {
            requireNonNull(nodeId, "nodeId is null");
        }
    }
}
