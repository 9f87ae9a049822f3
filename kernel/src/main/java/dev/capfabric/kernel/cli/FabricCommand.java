package dev.capfabric.kernel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.http.Json;

import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * A subcommand that talks to a node's HTTP API ({@link NodeApi}): it takes {@code --url}, {@code --key},
 * {@code --timeout} and {@code --json} besides its own options, and turns every {@link CliException}
 * into one line on stderr and exit status 1.
 */
abstract class FabricCommand implements Command {

    private final Map<String, String> env;

    FabricCommand(Map<String, String> env) {
        this.env = Map.copyOf(requireNonNull(env, "env is null"));
    }

    /** The environment the command reads ({@code CAPFABRIC_URL}, {@code CAPFABRIC_API_KEY} ...). */
    Map<String, String> env() {
        return env;
    }

    /** Its own options taking one value. */
    Set<String> valued() {
        return Set.of();
    }

    /** Its own options taking a value any number of times. */
    Set<String> repeatable() {
        return Set.of();
    }

    /** Its own switches besides {@code --json}. */
    Set<String> switches() {
        return Set.of();
    }

    /** How many plain arguments it takes. */
    int maxArguments() {
        return 0;
    }

    abstract int run(Options options, NodeApi api, PrintStream out, PrintStream err);

    @Override
    public final int run(List<String> args, PrintStream out, PrintStream err) {
        Set<String> valued = new HashSet<>(NodeApi.OPTIONS);
        valued.addAll(valued());
        Set<String> switches = new HashSet<>(switches());
        switches.add("json");
        Options options = Options.parse(args, valued, repeatable(), switches, maxArguments());
        NodeApi api = NodeApi.of(options, env);
        try {
            return run(options, api, out, err);
        } catch (CliException e) {
            err.println("capfabric " + name() + ": " + e.getMessage());
            return 1;
        }
    }

    /**
     * A file named on the command line: relative to the folder the user ran {@code bin/capfabric} in
     * (the launcher runs the JVM in the installation folder and passes the user's as {@code capfabric.cwd}).
     */
    static java.nio.file.Path path(String given) {
        java.nio.file.Path path = java.nio.file.Path.of(given);
        String cwd = System.getProperty("capfabric.cwd");
        return path.isAbsolute() || cwd == null || cwd.isBlank() ? path : java.nio.file.Path.of(cwd).resolve(path);
    }

    /** Prints a JSON value indented, for {@code --json}. */
    static void printJson(PrintStream out, Object value) {
        out.println(Json.MAPPER.valueToTree(value) instanceof JsonNode node ? node.toPrettyString() : String.valueOf(value));
    }

    /** A JSON array of strings (or the keys of an object) joined with commas; {@code -} when empty. */
    static String joined(JsonNode node) {
        List<String> items = new java.util.ArrayList<>();
        if (node != null && node.isArray()) {
            node.forEach(item -> items.add(item.asText()));
        } else if (node != null && node.isObject()) {
            node.fieldNames().forEachRemaining(items::add);
        }
        return items.isEmpty() ? "-" : String.join(",", items);
    }

    /** The ids of the nodes the asked node lists, with their statuses. */
    static Map<String, String> statuses(NodeApi api) {
        Map<String, String> statuses = new java.util.LinkedHashMap<>();
        api.get("/v1/nodes").path("nodes").forEach(node -> statuses.put(node.path("node_id").asText(), node.path("status").asText()));
        return statuses;
    }

    /** The nodes that take admin requests now: every listed node that is {@code ok} or {@code draining}. */
    static List<String> liveNodes(NodeApi api) {
        return statuses(api).entrySet().stream().filter(e -> e.getValue().equals("ok") || e.getValue().equals("draining"))
                .map(Map.Entry::getKey).toList();
    }

    /** The target nodes of {@code --node ID} (repeatable, or comma-separated) or {@code --all}, exactly one of them. */
    static List<String> targets(Options options, NodeApi api) {
        List<String> named = options.values("node").stream().flatMap(v -> java.util.Arrays.stream(v.split(",")))
                .map(String::strip).filter(s -> !s.isEmpty()).distinct().toList();
        if (named.isEmpty() == !options.flag("all")) {
            throw new UsageException("name the nodes: --node ID (repeatable) or --all, one of the two");
        }
        if (options.flag("all")) {
            List<String> live = liveNodes(api);
            if (live.isEmpty()) {
                throw new CliException("the node at " + api.url() + " knows no live node");
            }
            return live;
        }
        return named;
    }
}
