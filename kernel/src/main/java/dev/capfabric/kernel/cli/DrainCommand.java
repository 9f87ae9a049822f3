package dev.capfabric.kernel.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintStream;
import java.util.Map;

/**
 * {@code capfabric drain <node>} and {@code capfabric undrain <node>}: the node stops (or resumes) taking
 * jobs from the fabric, through the asked node's {@code POST /admin/nodes/<id>/drain|undrain}.
 */
final class DrainCommand extends FabricCommand {

    private final String verb;

    /** @param verb {@code drain} or {@code undrain} */
    DrainCommand(String verb, Map<String, String> env) {
        super(env);
        if (!verb.equals("drain") && !verb.equals("undrain")) {
            throw new IllegalArgumentException(verb);
        }
        this.verb = verb;
    }

    @Override
    public String name() {
        return verb;
    }

    @Override
    public String summary() {
        return verb.equals("drain")
                ? "drain NODE [--json]                  the node takes no new jobs from the fabric; running ones finish"
                : "undrain NODE [--json]                the node takes jobs from the fabric again";
    }

    @Override
    public String usage() {
        return "Usage: capfabric " + verb + " NODE [--json]\n"
                + (verb.equals("drain")
                ? "  Tells NODE to take no new jobs from the fabric (peers route around it at once); its running jobs\n"
                + "  finish. Prints where it stands: run again to see the jobs still running drop to 0.\n"
                : "  Tells NODE to take jobs from the fabric again.\n")
                + "  Needs an API key with scope admin on the asked node. An unknown node fails (exit 1).\n" + NodeApi.USAGE;
    }

    @Override
    int maxArguments() {
        return 1;
    }

    @Override
    int run(Options options, NodeApi api, PrintStream out, PrintStream err) {
        String node = options.argument(0, "the node id (capfabric nodes lists them)");
        NodeApi.Answer answer = api.send(api.request("/admin/nodes/" + encode(node) + "/" + verb)
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()), NodeApi.MAX_JSON);
        if (answer.status() == 404) {
            throw new CliException("unknown node '" + node + "': " + NodeApi.reason(answer));
        }
        JsonNode state = api.ok(verb + " " + node, answer).json().path("ok");
        if (options.flag("json")) {
            out.println(state.toPrettyString());
            return 0;
        }
        int running = 0;
        for (JsonNode count : state.path("inflight")) {
            running += count.asInt();
        }
        new Table("NODE", "STATUS", "OFFLOADS_RUNNING", "JOBS_RUNNING")
                .row(state.path("node_id").asText(), state.path("status").asText(), state.path("offloads_running").asInt(), running)
                .print(out);
        return 0;
    }

    /** A node id as one path segment (ids are [a-z0-9_-]; anything else is sent escaped and refused by the node). */
    static String encode(String segment) {
        return java.net.URLEncoder.encode(segment, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }
}
