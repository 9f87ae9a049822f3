package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.config.NodeId;
import dev.capfabric.spi.Capability;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The fabric's NATS subjects under one prefix. Every subject naming a node is built from a valid node
 * id only, so an id holding {@code .}, {@code *} or {@code >} can never widen or reshape a subject:
 * building one throws instead.
 */
final class Subjects {

    private final String prefix;

    Subjects(String prefix) {
        this.prefix = requireNonNull(prefix, "prefix is null");
    }

    String discover() {
        return prefix + ".discover";
    }

    String caps(String nodeId) {
        return node(nodeId) + ".caps";
    }

    String heartbeat(String nodeId) {
        return node(nodeId) + ".heartbeat";
    }

    String bye(String nodeId) {
        return node(nodeId) + ".bye";
    }

    /**
     * Where a node hears that the caller of a job it runs went away (body: the job id), from anyone
     * allowed to publish there (an operator; nobody else under the generated NATS permissions).
     */
    String cancel(String nodeId) {
        return node(nodeId) + ".cancel";
    }

    /**
     * Where node {@code origin} cancels a job it sent to node {@code nodeId} (body: the job id): the
     * last token names the sender, so NATS permissions can let each node cancel only its own jobs.
     */
    String cancel(String nodeId, String origin) {
        if (!NodeId.isValid(origin)) {
            throw new IllegalArgumentException("'" + origin + "' is not a node id; it cannot be part of a subject");
        }
        return cancel(nodeId) + "." + origin;
    }

    /** Every origin's cancels for node {@code nodeId}. */
    String cancelsFromAnyOrigin(String nodeId) {
        return cancel(nodeId) + ".*";
    }

    /**
     * Where node {@code runner} publishes the progress and partial results of a job node {@code origin}
     * offloaded to it while origin's caller follows them: under the runner's own subjects (no node can
     * speak for another), with the origin's id next (NATS permissions let a node hear only its own
     * jobs' events) and then the token the origin named in the request.
     */
    String offloadEvents(String runner, String origin, String token) {
        if (!NodeId.isValid(origin)) {
            throw new IllegalArgumentException("'" + origin + "' is not a node id; it cannot be part of a subject");
        }
        if (!OffloadWire.validEventsToken(token)) {
            throw new IllegalArgumentException("'" + token + "' is not an events token");
        }
        return node(runner) + ".events." + origin + "." + token;
    }

    String capability(String nodeId, Capability capability) {
        return node(nodeId) + ".cap." + capability.name();
    }

    /** Where a node answers one admin verb ({@code drain}, {@code plugins}, {@code install} ...). */
    String admin(String nodeId, String verb) {
        if (verb == null || !verb.matches("[a-z]+")) {
            throw new IllegalArgumentException("'" + verb + "' is not an admin verb");
        }
        return node(nodeId) + ".admin." + verb;
    }

    /** Where the nodes of plugin rollout {@code rolloutId} publish their progress ({@link RolloutProgress}). */
    String rollout(String rolloutId) {
        if (rolloutId == null || !rolloutId.matches("[a-z0-9]{1,32}")) {
            throw new IllegalArgumentException("'" + rolloutId + "' is not a rollout id");
        }
        return prefix + ".rollout." + rolloutId;
    }

    /** Every node's heartbeats. */
    String allHeartbeats() {
        return prefix + ".node.*.heartbeat";
    }

    /** Every node's goodbyes. */
    String allByes() {
        return prefix + ".node.*.bye";
    }

    /**
     * The node id in a subject such as {@code capfabric.node.<id>.heartbeat}; empty when the subject
     * has another shape or the id is not valid.
     */
    Optional<String> nodeIdIn(String subject, String last) {
        String head = prefix + ".node.";
        String tail = "." + last;
        if (subject == null || !subject.startsWith(head) || !subject.endsWith(tail)
                || subject.length() <= head.length() + tail.length()) {
            return Optional.empty();
        }
        String id = subject.substring(head.length(), subject.length() - tail.length());
        return NodeId.isValid(id) ? Optional.of(id) : Optional.empty();
    }

    private String node(String nodeId) {
        if (!NodeId.isValid(nodeId)) {
            throw new IllegalArgumentException("'" + nodeId + "' is not a node id; it cannot be part of a subject");
        }
        return prefix + ".node." + nodeId;
    }
}
