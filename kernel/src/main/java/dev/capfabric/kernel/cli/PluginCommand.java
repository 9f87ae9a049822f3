package dev.capfabric.kernel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.http.Json;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code capfabric plugin install|remove|list}: installs a plugin jar on some or all nodes with a
 * progress bar and per-node results ({@code POST /admin/rollout}: through the JetStream Object Store
 * when the jar is larger than one NATS message), removes a plugin from them
 * ({@code POST /admin/nodes/<id>/remove}), or lists their plugins. Exits 1 when any node failed.
 */
final class PluginCommand extends FabricCommand {

    PluginCommand(Map<String, String> env) {
        super(env);
    }

    @Override
    public String name() {
        return "plugin";
    }

    @Override
    public String summary() {
        return "plugin install|remove|list ...       install a jar on nodes (with progress), remove or list plugins";
    }

    @Override
    public String usage() {
        return """
                Usage: capfabric plugin install JAR|FOLDER (--node ID... | --all) [--json]
                       capfabric plugin remove NAME (--node ID... | --all) [--json]
                       capfabric plugin list [--node ID... | --all] [--json]
                  install  puts the jar on every node named (or every live node with --all) and waits until each
                           has loaded it, showing each node's progress (received, verified, loaded or failed) on
                           stderr and one result per node. A FOLDER installs each *.jar directly in it, one after
                           another; each must be a plugin (provide a ProviderFactory): a folder plugin with its
                           libraries is refused. Jars larger than one NATS message travel through the JetStream
                           Object Store.
                           A replacement that fails to load is rolled back to the previous jar on that node.
                  remove   takes plugin NAME (its jar name without .jar) off every node named.
                  list     the plugins of the nodes named (default: the asked node), with status and version.
                  Needs an API key with scope admin. Exits 1 when any node failed.
                """ + NodeApi.USAGE;
    }

    @Override
    Set<String> repeatable() {
        return Set.of("node");
    }

    @Override
    Set<String> switches() {
        return Set.of("all");
    }

    @Override
    int maxArguments() {
        return 2;
    }

    @Override
    int run(Options options, NodeApi api, PrintStream out, PrintStream err) {
        String action = options.argument(0, "install, remove or list");
        return switch (action) {
            case "install" -> install(options, api, out, err);
            case "remove" -> remove(options, api, out, err);
            case "list" -> list(options, api, out);
            default -> throw new UsageException("unknown plugin command '" + action + "': expected install, remove or list");
        };
    }

    private int install(Options options, NodeApi api, PrintStream out, PrintStream err) {
        Path given = path(options.argument(1, "the JAR or FOLDER to install"));
        List<String> targets = targets(options, api);
        List<Path> jars = jars(given);
        int failed = 0;
        List<JsonNode> rollouts = new ArrayList<>();
        for (Path jar : jars) {
            JsonNode rollout = rollout(api, jar, targets, err);
            rollouts.add(rollout);
            failed += rollout.path("failed").asInt();
            if (!options.flag("json")) {
                out.println("plugin " + jar.getFileName() + " (" + rollout.path("bytes").asLong() + " bytes, sha256 "
                        + rollout.path("sha256").asText() + ", " + rollout.path("transport").asText() + "):");
                Table table = new Table("NODE", "RESULT", "DETAIL");
                rollout.path("nodes").forEach(node -> table.row(node.path("node_id").asText(),
                        node.path("ok").asBoolean() ? node.path("action").asText() : "FAILED",
                        node.path("ok").asBoolean() ? "plugin " + node.path("plugin").asText() + " loaded"
                                : node.path("error_kind").asText() + ": " + node.path("message").asText()));
                table.print(out);
            }
        }
        if (options.flag("json")) {
            out.println((rollouts.size() == 1 ? rollouts.getFirst() : Json.MAPPER.valueToTree(rollouts)).toPrettyString());
        }
        if (failed > 0) {
            err.println("capfabric plugin: the install failed on " + failed + " node(s)");
            return 1;
        }
        return 0;
    }

    private static List<Path> jars(Path given) {
        if (Files.isRegularFile(given)) {
            return List.of(given);
        }
        if (!Files.isDirectory(given)) {
            throw new CliException("no jar or folder " + given);
        }
        List<Path> jars;
        try (Stream<Path> listing = Files.list(given)) {
            jars = listing.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new CliException("cannot list " + given + ": " + e.getMessage());
        }
        if (jars.isEmpty()) {
            throw new CliException("no *.jar in folder " + given);
        }
        // a folder plugin (a plugin jar with its private libraries) installed jar by jar would turn each library
        // into a failed plugin of its own: only folders of plugin jars are taken
        List<String> libraries = jars.stream().filter(jar -> !providesFactory(jar)).map(jar -> jar.getFileName().toString()).toList();
        if (!libraries.isEmpty()) {
            throw new CliException("folder " + given + " holds jars that provide no " + FACTORY + " (" + String.join(", ", libraries)
                    + "): it looks like a folder plugin with its libraries, which cannot be rolled out jar by jar; copy the "
                    + "folder into each node's plugins/ instead, or name a folder of plugin jars only");
        }
        return jars;
    }

    private static final String FACTORY = "dev.capfabric.spi.ProviderFactory";

    /** Whether {@code jar} declares a {@value #FACTORY} (module-info {@code provides}, or META-INF/services). */
    private static boolean providesFactory(Path jar) {
        try {
            return java.lang.module.ModuleFinder.of(jar).findAll().stream()
                    .anyMatch(module -> module.descriptor().provides().stream().anyMatch(p -> p.service().equals(FACTORY)));
        } catch (java.lang.module.FindException e) {
            return false;
        }
    }

    private static JsonNode rollout(NodeApi api, Path jar, List<String> targets, PrintStream err) {
        long size;
        try {
            size = Files.size(jar);
        } catch (IOException e) {
            throw new CliException("cannot read " + jar + ": " + e.getMessage());
        }
        if (size > 64L << 20) {
            throw new CliException(jar + " is " + size + " bytes: nodes take plugin jars of at most 64 MiB");
        }
        String query = "?file=" + URLEncoder.encode(jar.getFileName().toString(), StandardCharsets.UTF_8) + "&node="
                + URLEncoder.encode(String.join(",", targets), StandardCharsets.UTF_8);
        HttpRequest.Builder request;
        try {
            request = api.request("/admin/rollout" + query).header("Content-Type", "application/java-archive")
                    .POST(HttpRequest.BodyPublishers.ofFile(jar));
        } catch (IOException e) {
            throw new CliException("cannot read " + jar + ": " + e.getMessage());
        }
        err.println("installing " + jar.getFileName() + " (" + size + " bytes) on " + String.join(", ", targets));
        ProgressBar bar = new ProgressBar(err, targets.stream().mapToInt(String::length).max().orElse(4));
        JsonNode[] last = new JsonNode[1];
        NodeApi.Answer answer = api.stream(request, line -> {
            if (line.has("progress")) {
                bar.show(line.get("progress"));
            } else {
                last[0] = line;
            }
        });
        if (last[0] == null) {
            // not streamed: the node refused before any node started, or answered at once
            if (answer.status() != 200 && answer.status() != 207) {
                throw api.refused("plugin install", answer);
            }
            last[0] = answer.json();
        }
        if (!last[0].has("ok")) {
            throw api.refused("plugin install", new NodeApi.Answer(502, answer.headers(), Json.bytes(last[0])));
        }
        return last[0].get("ok");
    }

    private int remove(Options options, NodeApi api, PrintStream out, PrintStream err) {
        String name = options.argument(1, "the plugin NAME (capfabric plugin list shows them)");
        List<String> targets = targets(options, api);
        List<Map<String, Object>> results = new ArrayList<>();
        Table table = new Table("NODE", "RESULT", "DETAIL");
        int failed = 0;
        for (String node : targets) {
            NodeApi.Answer answer = api.send(api.request("/admin/nodes/" + DrainCommand.encode(node) + "/remove")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(Map.of("name", name)))), NodeApi.MAX_JSON);
            if (answer.status() == 401 || answer.status() == 403) {
                throw api.refused("plugin remove", answer);
            }
            boolean ok = answer.status() == 200;
            failed += ok ? 0 : 1;
            String detail = ok ? "plugin " + name + " unloaded" : NodeApi.reason(answer);
            table.row(node, ok ? "removed" : "FAILED", detail);
            Map<String, Object> result = new java.util.LinkedHashMap<>();
            result.put("node_id", node);
            result.put("ok", ok);
            result.put("status", answer.status());
            result.put("detail", detail);
            results.add(result);
        }
        if (options.flag("json")) {
            printJson(out, Map.of("plugin", name, "nodes", results, "failed", failed));
        } else {
            table.print(out);
        }
        if (failed > 0) {
            err.println("capfabric plugin: the remove failed on " + failed + " node(s)");
            return 1;
        }
        return 0;
    }

    private int list(Options options, NodeApi api, PrintStream out) {
        List<String> targets = options.values("node").isEmpty() && !options.flag("all") ? List.of() : targets(options, api);
        List<JsonNode> answers = new ArrayList<>();
        if (targets.isEmpty()) {
            answers.add(api.get("/admin/plugins").path("ok"));
        } else {
            for (String node : targets) {
                answers.add(api.get("/admin/nodes/" + DrainCommand.encode(node) + "/plugins").path("ok"));
            }
        }
        if (options.flag("json")) {
            out.println((answers.size() == 1 ? answers.getFirst() : Json.MAPPER.valueToTree(answers)).toPrettyString());
            return 0;
        }
        Table table = new Table("NODE", "PLUGIN", "STATUS", "VERSION", "SHA256", "ERROR");
        for (JsonNode answer : answers) {
            for (JsonNode plugin : answer.path("plugins")) {
                JsonNode jar = FleetSnapshot.mainJar(answer.path("jars"), plugin);
                table.row(answer.path("node_id").asText(), plugin.path("name").asText(), plugin.path("status").asText(),
                        jar == null ? "-" : jar.path("version").asText("-"),
                        jar == null ? "-" : jar.path("sha256").asText("-").substring(0, Math.min(12, jar.path("sha256").asText("-").length())),
                        plugin.path("error").asText("-"));
            }
        }
        table.print(out);
        return 0;
    }
}
