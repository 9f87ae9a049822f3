package dev.capfabric.kernel.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * The fabric's state at one moment, as {@code capfabric snapshot} saves it: every node the asked node
 * knows, with its status, capabilities, plugins (with versions and SHA-256 hashes) and configuration
 * digest. {@code capfabric preflight} compares two of them ({@link Preflight}).
 *
 * @param format    {@value #FORMAT}
 * @param takenAt   when, ISO-8601 UTC
 * @param url       the node asked
 * @param askedNode that node's id
 * @param nodes     every node it lists, in its order
 */
record FleetSnapshot(String format, String takenAt, String url, String askedNode, List<Node> nodes) {

    static final String FORMAT = "capfabric-snapshot/1";

    FleetSnapshot {
        requireNonNull(format, "format is null");
        nodes = List.copyOf(nodes);
    }

    /**
     * One node.
     *
     * @param nodeId       its id
     * @param status       {@code ok}, {@code stale}, {@code gone}, {@code unknown} or {@code draining}
     * @param ageS         seconds since the asked node last heard it; null when never
     * @param httpUrl      its HTTP address, as it advertises it
     * @param capabilities per capability, its summary as {@code /v1/nodes} gives it
     * @param plugins      its plugins; empty when unknown ({@code pluginsError} says why)
     * @param configDigest the SHA-256 of its effective configuration; null when unknown
     * @param pluginsError why its plugins could not be read (no answer, no admin scope); null when they were
     */
    record Node(String nodeId, String status, Double ageS, String httpUrl, Map<String, JsonNode> capabilities, List<Plugin> plugins,
                String configDigest, String pluginsError) {
        Node {
            requireNonNull(nodeId, "nodeId is null");
            capabilities = capabilities == null ? Map.of() : new LinkedHashMap<>(capabilities);
            plugins = plugins == null ? List.of() : List.copyOf(plugins);
        }
    }

    /**
     * One plugin of a node.
     *
     * @param name    its name
     * @param status  {@code loaded} or {@code failed}
     * @param version its main jar's module or implementation version; null when it states none
     * @param sha256  its main jar's SHA-256
     * @param file    its jar or folder in the plugins folder
     * @param error   why it failed; null when it did not
     */
    record Plugin(String name, String status, String version, String sha256, String file, String error) {
    }

    /** Takes a snapshot through the node {@code api} talks to; nodes whose plugins cannot be read are noted, not fatal. */
    static FleetSnapshot take(NodeApi api, Clock clock) {
        String asked = api.get("/caps").path("node_id").asText();
        List<Node> nodes = new ArrayList<>();
        for (JsonNode node : api.get("/v1/nodes").path("nodes")) {
            String id = node.path("node_id").asText();
            String status = node.path("status").asText();
            Map<String, JsonNode> capabilities = new LinkedHashMap<>();
            node.path("capabilities").properties().forEach(cap -> capabilities.put(cap.getKey(), cap.getValue()));
            List<Plugin> plugins = List.of();
            String digest = null;
            String error = null;
            if (status.equals("gone") || status.equals("unknown")) {
                error = "not asked: the node is " + status;
            } else {
                NodeApi.Answer answer = api.send(api.request("/admin/nodes/" + DrainCommand.encode(id) + "/plugins").GET(), NodeApi.MAX_JSON);
                if (answer.status() == 200) {
                    JsonNode ok = answer.json().path("ok");
                    plugins = plugins(ok);
                    digest = ok.path("config_digest").asText(null);
                } else {
                    error = answer.status() + " " + NodeApi.reason(answer);
                }
            }
            nodes.add(new Node(id, status, node.path("age_s").isNumber() ? node.path("age_s").asDouble() : null,
                    node.path("http_url").asText(null), capabilities, plugins, digest, error));
        }
        return new FleetSnapshot(FORMAT, clock.instant().toString(), api.url(), asked, nodes);
    }

    private static List<Plugin> plugins(JsonNode answer) {
        List<Plugin> plugins = new ArrayList<>();
        for (JsonNode plugin : answer.path("plugins")) {
            JsonNode jar = mainJar(answer.path("jars"), plugin);
            plugins.add(new Plugin(plugin.path("name").asText(), plugin.path("status").asText(),
                    jar == null ? null : jar.path("version").asText(null), jar == null ? null : jar.path("sha256").asText(null),
                    plugin.path("file").asText(null), plugin.path("error").asText(null)));
        }
        return plugins;
    }

    /**
     * The jar that stands for {@code plugin} among a node's {@code jars}: its own jar file, else (a folder
     * plugin) the first of its jars that states a version, else its first jar; null when it lists none.
     */
    static JsonNode mainJar(JsonNode jars, JsonNode plugin) {
        String name = plugin.path("name").asText();
        JsonNode first = null;
        JsonNode versioned = null;
        for (JsonNode jar : jars) {
            if (!jar.path("plugin").asText().equals(name)) {
                continue;
            }
            if (jar.path("file").asText().equals(plugin.path("file").asText())) {
                return jar;
            }
            first = first == null ? jar : first;
            versioned = versioned == null && jar.path("version").isTextual() ? jar : versioned;
        }
        return versioned != null ? versioned : first;
    }

    /** The node {@code id}, if listed. */
    java.util.Optional<Node> node(String id) {
        return nodes.stream().filter(n -> n.nodeId().equals(id)).findFirst();
    }
}
