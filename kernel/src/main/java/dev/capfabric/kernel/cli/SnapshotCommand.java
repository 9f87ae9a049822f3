package dev.capfabric.kernel.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Set;

/**
 * {@code capfabric snapshot [--out FILE]}: saves the fabric's state ({@link FleetSnapshot}) in the
 * snapshot folder ({@link SnapshotFolder}), where {@code preflight} finds it as its default baseline,
 * and in {@code FILE} too when given.
 */
final class SnapshotCommand extends FabricCommand {

    private final Clock clock;

    SnapshotCommand(Map<String, String> env, Clock clock) {
        super(env);
        this.clock = clock;
    }

    @Override
    public String name() {
        return "snapshot";
    }

    @Override
    public String summary() {
        return "snapshot [--out FILE]                save every node's caps, plugins (versions, hashes), statuses";
    }

    @Override
    public String usage() {
        return """
                Usage: capfabric snapshot [--out FILE] [--json]
                  Saves the fabric's state as JSON: every node the asked node knows, with its status, capabilities,
                  plugins with versions and SHA-256 hashes, and configuration digest (plugins and digests need an
                  API key with scope admin). It is kept in the snapshot folder ($CAPFABRIC_SNAPSHOTS, default
                  ~/.capfabric/snapshots), where 'capfabric preflight' takes the newest as its baseline, and
                  written to FILE too when --out is given. --json also prints it.
                """ + NodeApi.USAGE;
    }

    @Override
    Set<String> valued() {
        return Set.of("out");
    }

    @Override
    int run(Options options, NodeApi api, PrintStream out, PrintStream err) {
        FleetSnapshot snapshot = FleetSnapshot.take(api, clock);
        Path saved = SnapshotFolder.of(env()).save(snapshot);
        options.value("out").map(FabricCommand::path).ifPresent(file -> SnapshotFolder.write(file, snapshot));
        snapshot.nodes().stream().filter(n -> n.pluginsError() != null)
                .forEach(n -> err.println("(plugins of node " + n.nodeId() + " not read: " + n.pluginsError() + ")"));
        if (options.flag("json")) {
            printJson(out, snapshot);
            return 0;
        }
        Table table = new Table("NODE", "STATUS", "CAPABILITIES", "PLUGINS", "CONFIG");
        snapshot.nodes().forEach(n -> table.row(n.nodeId(), n.status(), String.join(",", n.capabilities().keySet()),
                n.pluginsError() != null ? "?" : n.plugins().size(),
                n.configDigest() == null ? "-" : n.configDigest().substring(0, Math.min(12, n.configDigest().length()))));
        table.print(out);
        out.println("saved " + saved + options.value("out").map(f -> " and " + path(f)).orElse(""));
        return 0;
    }
}
