package dev.capfabric.kernel.fabric;

import static java.util.Objects.requireNonNull;

/**
 * One step of a plugin install on one node, published on {@code <prefix>.rollout.<rollout>} while the
 * node works, and streamed to whoever started the rollout over HTTP.
 *
 * @param rollout the rollout's id
 * @param nodeId  the node doing the step
 * @param stage   {@code receiving} (bytes so far of total, repeated while the jar arrives), {@code received},
 *                {@code verified} (SHA-256 matches and every jar entry reads back), {@code loaded} (the plugin
 *                host loaded it) or {@code failed} (message says why; a replacement was rolled back)
 * @param bytes   the jar's bytes received so far
 * @param total   the jar's size
 * @param message what happened, for people; may be null
 * @param at      when, ISO-8601 UTC
 */
public record RolloutProgress(String rollout, String nodeId, String stage, long bytes, long total, String message, String at) {

    public RolloutProgress {
        requireNonNull(rollout, "rollout is null");
        requireNonNull(nodeId, "nodeId is null");
        requireNonNull(stage, "stage is null");
    }

    /** Whether this is a node's last step. */
    public boolean last() {
        return "loaded".equals(stage) || "failed".equals(stage);
    }
}
