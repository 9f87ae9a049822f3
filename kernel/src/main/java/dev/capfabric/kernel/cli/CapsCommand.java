package dev.capfabric.kernel.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintStream;
import java.util.Map;

/**
 * {@code capfabric caps [node]}: what a node can do. Without a node, the asked node's own {@code /caps}
 * (providers with status and reason, plugins with errors); with one, that node's capabilities as the
 * fabric lists them ({@code /v1/nodes}), and its providers and plugins too when the key may read
 * them ({@code /admin/nodes/<id>/plugins}, scope admin).
 */
final class CapsCommand extends FabricCommand {

    CapsCommand(Map<String, String> env) {
        super(env);
    }

    @Override
    public String name() {
        return "caps";
    }

    @Override
    public String summary() {
        return "caps [NODE] [--json]                 a node's capabilities, providers and plugins";
    }

    @Override
    public String usage() {
        return """
                Usage: capfabric caps [NODE] [--json]
                  Without NODE: the asked node's /caps - capabilities, providers with status and reason,
                  plugins with their errors. With NODE: that node's capabilities as the fabric lists them,
                  with its providers and plugins when the key has scope admin. An unknown NODE fails (exit 1).
                """ + NodeApi.USAGE;
    }

    @Override
    int maxArguments() {
        return 1;
    }

    @Override
    int run(Options options, NodeApi api, PrintStream out, PrintStream err) {
        JsonNode caps = api.get("/caps");
        if (options.arguments().isEmpty() || options.arguments().getFirst().equals(caps.path("node_id").asText())) {
            if (options.flag("json")) {
                out.println(caps.toPrettyString());
            } else {
                print(out, caps.path("node_id").asText(), caps.path("capabilities"), caps.path("providers"), caps.path("plugins"));
            }
            return 0;
        }
        String wanted = options.arguments().getFirst();
        JsonNode listing = api.get("/v1/nodes");
        JsonNode node = null;
        java.util.List<String> known = new java.util.ArrayList<>();
        for (JsonNode candidate : listing.path("nodes")) {
            known.add(candidate.path("node_id").asText());
            if (candidate.path("node_id").asText().equals(wanted)) {
                node = candidate;
            }
        }
        if (node == null) {
            throw new CliException("unknown node '" + wanted + "': node " + caps.path("node_id").asText() + " knows " + String.join(", ", known));
        }
        JsonNode plugins = null;
        NodeApi.Answer answer = api.send(api.request("/admin/nodes/" + wanted + "/plugins").GET(), NodeApi.MAX_JSON);
        if (answer.status() == 200) {
            plugins = answer.json().path("ok");
        } else if (!options.flag("json")) {
            err.println("(providers and plugins of " + wanted + " not shown: " + NodeApi.reason(answer) + ")");
        }
        if (options.flag("json")) {
            com.fasterxml.jackson.databind.node.ObjectNode both = node.deepCopy();
            if (plugins != null) {
                both.set("plugins", plugins.path("plugins"));
            }
            out.println(both.toPrettyString());
            return 0;
        }
        com.fasterxml.jackson.databind.node.ArrayNode providers = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        if (plugins != null) {
            plugins.path("plugins").forEach(plugin -> plugin.path("providers").forEach(providers::add));
        }
        out.println("status: " + node.path("status").asText());
        print(out, wanted, node.path("capabilities"), providers, plugins == null ? null : plugins.path("plugins"));
        return 0;
    }

    private static void print(PrintStream out, String nodeId, JsonNode capabilities, JsonNode providers, JsonNode plugins) {
        out.println("node " + nodeId);
        Table caps = new Table("CAPABILITY", "PROVIDERS", "MODELS", "LANGUAGES", "VOICES");
        capabilities.properties().forEach(cap -> caps.row(cap.getKey(), joined(cap.getValue().path("providers")),
                joined(cap.getValue().path("models")), joined(cap.getValue().path("languages")), joined(cap.getValue().path("voices"))));
        caps.print(out);
        if (providers != null && !providers.isEmpty()) {
            out.println();
            Table table = new Table("PROVIDER", "CAPABILITY", "PLUGIN", "STATUS", "REASON");
            providers.forEach(p -> table.row(p.path("id").asText(), p.path("capability").asText(), p.path("plugin").asText("-"),
                    p.path("status").asText(), p.path("reason").asText("-")));
            table.print(out);
        }
        if (plugins != null && !plugins.isEmpty()) {
            out.println();
            Table table = new Table("PLUGIN", "STATUS", "ERROR");
            plugins.forEach(p -> table.row(p.path("name").asText(), p.path("status").asText(), p.path("error").asText("-")));
            table.print(out);
        }
    }
}
