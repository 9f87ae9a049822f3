package dev.capfabric.kernel.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code capfabric preflight [--baseline FILE]}: takes a new snapshot and prints what changed since the
 * baseline (default: the newest snapshot saved by {@code capfabric snapshot}); exits 1 on a regression
 * ({@link Preflight}). The new snapshot is not saved: a failed check never becomes the next baseline.
 */
final class PreflightCommand extends FabricCommand {

    private final Clock clock;

    PreflightCommand(Map<String, String> env, Clock clock) {
        super(env);
        this.clock = clock;
    }

    @Override
    public String name() {
        return "preflight";
    }

    @Override
    public String summary() {
        return "preflight [--baseline FILE]          what changed since the last snapshot; exit 1 on a regression";
    }

    @Override
    public String usage() {
        return """
                Usage: capfabric preflight [--baseline FILE] [--json]
                  Takes a new snapshot and compares it with the baseline (default: the newest snapshot in
                  $CAPFABRIC_SNAPSHOTS, else ~/.capfabric/snapshots, saved by 'capfabric snapshot'): nodes gone or
                  new, stale nodes, capabilities lost, failed plugins, plugins whose versions differ between
                  nodes, plugins and settings changed. Exits 1 on a regression (a node gone or stale, a
                  capability lost, a failed plugin, differing plugin versions), 0 otherwise. Run it before and
                  after a rollout; the new snapshot is not saved (take one with 'capfabric snapshot').
                """ + NodeApi.USAGE;
    }

    @Override
    Set<String> valued() {
        return Set.of("baseline");
    }

    @Override
    int run(Options options, NodeApi api, PrintStream out, PrintStream err) {
        SnapshotFolder folder = SnapshotFolder.of(env());
        Path baseline = options.value("baseline").map(FabricCommand::path).orElseGet(() -> folder.newest().orElseThrow(() ->
                new CliException("no baseline: no snapshot in " + folder.folder() + " - take one with 'capfabric snapshot' "
                        + "or give --baseline FILE")));
        FleetSnapshot before = SnapshotFolder.read(baseline);
        FleetSnapshot now = FleetSnapshot.take(api, clock);
        Preflight report = Preflight.compare(baseline.toString(), before, now);
        if (options.flag("json")) {
            printJson(out, report);
        } else {
            print(report, now, out);
        }
        return report.regressed() ? 1 : 0;
    }

    private static void print(Preflight report, FleetSnapshot now, PrintStream out) {
        out.println("baseline " + report.baseline() + " (" + report.baselineTakenAt() + ")");
        out.println("now      " + now.nodes().size() + " node(s) listed by " + now.askedNode() + " (" + report.takenAt() + ")");
        section(out, "nodes gone", report.nodesGone());
        section(out, "nodes new", report.nodesNew());
        section(out, "nodes stale", report.nodesStale().entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).toList());
        section(out, "capabilities lost", report.capabilitiesLost().entrySet().stream()
                .map(e -> e.getKey() + ": " + String.join(", ", e.getValue())).toList());
        section(out, "capabilities offered nowhere now", report.capabilitiesGone());
        section(out, "plugins failed", report.pluginsFailed().entrySet().stream()
                .flatMap(e -> e.getValue().entrySet().stream().map(p -> e.getKey() + ": " + p.getKey() + " - " + p.getValue())).toList());
        section(out, "plugin versions that differ between nodes", report.versionSkew().entrySet().stream()
                .map(e -> e.getKey() + ": " + e.getValue()).toList());
        section(out, "plugins changed", report.pluginsChanged().entrySet().stream()
                .flatMap(e -> e.getValue().stream().map(change -> e.getKey() + ": " + change)).toList());
        section(out, "configuration changed", report.configChanged());
        if (report.regressed()) {
            out.println("REGRESSION (" + report.regressions().size() + "):");
            report.regressions().forEach(line -> out.println("  " + line));
        } else {
            out.println("no regression");
        }
    }

    private static void section(PrintStream out, String title, List<String> lines) {
        if (!lines.isEmpty()) {
            out.println(title + ":");
            lines.forEach(line -> out.println("  " + line));
        }
    }
}
