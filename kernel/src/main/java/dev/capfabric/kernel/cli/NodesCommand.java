package dev.capfabric.kernel.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/** {@code capfabric nodes}: every node of the fabric as the asked node sees it, with status, age and load. */
final class NodesCommand extends FabricCommand {

    NodesCommand(Map<String, String> env) {
        super(env);
    }

    @Override
    public String name() {
        return "nodes";
    }

    @Override
    public String summary() {
        return "nodes [--json]                       every node: status, age, capabilities, load";
    }

    @Override
    public String usage() {
        return """
                Usage: capfabric nodes [--json]
                  Lists every node of the fabric as the node asked sees it (GET /v1/nodes): status (ok, stale,
                  gone, draining, unknown), seconds since last heard, capabilities, jobs running and waiting,
                  CPU load and HTTP address. --json prints the node's answer as it is.
                """ + NodeApi.USAGE;
    }

    @Override
    int run(Options options, NodeApi api, PrintStream out, PrintStream err) {
        JsonNode listing = api.get("/v1/nodes");
        if (options.flag("json")) {
            out.println(listing.toPrettyString());
            return 0;
        }
        Table table = new Table("NODE", "STATUS", "AGE_S", "CAPABILITIES", "RUNNING", "QUEUED", "CPU", "URL");
        for (JsonNode node : listing.path("nodes")) {
            JsonNode load = node.path("load");
            table.row(node.path("node_id").asText(), node.path("status").asText(),
                    node.path("age_s").isNumber() ? String.format(Locale.ROOT, "%.1f", node.path("age_s").asDouble()) : "-",
                    joined(node.path("capabilities")), sum(load.path("inflight")), sum(load.path("queue_depth")),
                    load.path("cpu").isNumber() ? String.format(Locale.ROOT, "%.0f%%", 100 * load.path("cpu").asDouble()) : "-",
                    node.path("http_url").asText("-"));
        }
        table.print(out);
        JsonNode link = listing.path("link");
        if (link.path("state").asText("up").equals("down")) {
            out.println("(the asked node's NATS link is down: statuses are as last heard)");
        }
        return 0;
    }

    private static int sum(JsonNode counts) {
        int total = 0;
        for (JsonNode count : counts) {
            total += count.asInt();
        }
        return total;
    }
}
