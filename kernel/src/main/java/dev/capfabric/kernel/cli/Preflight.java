package dev.capfabric.kernel.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What changed between a baseline {@link FleetSnapshot} and a new one, as {@code capfabric preflight}
 * prints it. A regression is a node gone or stale, a capability lost, a failed plugin, or one plugin in
 * different versions on different nodes; new nodes and changed plugins or settings are reported only.
 *
 * @param baseline          the baseline file
 * @param baselineTakenAt   when the baseline was taken
 * @param takenAt           when the new snapshot was taken
 * @param nodesGone         nodes in the baseline (not gone there) that are gone or missing now
 * @param nodesNew          nodes not in the baseline
 * @param nodesStale        nodes listed now but not heard lately ({@code stale} or {@code unknown})
 * @param capabilitiesLost  per node, capabilities it had in the baseline and lacks now (gone nodes included)
 * @param capabilitiesGone  capabilities some node offered in the baseline and none offers now
 * @param versionSkew       per plugin loaded on several nodes in different versions, which nodes have which
 * @param pluginsFailed     per node, its plugins that failed to load now, with why
 * @param pluginsChanged    per node, plugins added, removed or changed (version or hash) since the baseline
 * @param configChanged     nodes whose configuration digest changed
 * @param regressions       one line per regression, for people; empty when there is none
 */
record Preflight(String baseline, String baselineTakenAt, String takenAt, List<String> nodesGone, List<String> nodesNew,
                 Map<String, String> nodesStale, Map<String, List<String>> capabilitiesLost, List<String> capabilitiesGone,
                 Map<String, Map<String, List<String>>> versionSkew, Map<String, Map<String, String>> pluginsFailed,
                 Map<String, List<String>> pluginsChanged, List<String> configChanged, List<String> regressions) {

    private static final Set<String> PRESENT = Set.of("ok", "draining", "stale");

    /** Whether anything regressed. */
    boolean regressed() {
        return !regressions.isEmpty();
    }

    static Preflight compare(String baselineFile, FleetSnapshot before, FleetSnapshot now) {
        List<String> gone = new ArrayList<>();
        List<String> added = new ArrayList<>();
        Map<String, String> stale = new TreeMap<>();
        Map<String, List<String>> lost = new TreeMap<>();
        Map<String, List<String>> changed = new TreeMap<>();
        List<String> config = new ArrayList<>();
        for (FleetSnapshot.Node old : before.nodes()) {
            if (!PRESENT.contains(old.status())) {
                continue;
            }
            var current = now.node(old.nodeId()).filter(n -> PRESENT.contains(n.status()));
            if (current.isEmpty()) {
                gone.add(old.nodeId());
            }
            List<String> missing = old.capabilities().keySet().stream()
                    .filter(cap -> current.map(n -> !n.capabilities().containsKey(cap)).orElse(true)).sorted().toList();
            if (!missing.isEmpty()) {
                lost.put(old.nodeId(), missing);
            }
            current.ifPresent(n -> {
                List<String> differences = pluginChanges(old, n);
                if (!differences.isEmpty()) {
                    changed.put(n.nodeId(), differences);
                }
                if (old.configDigest() != null && n.configDigest() != null && !old.configDigest().equals(n.configDigest())) {
                    config.add(n.nodeId());
                }
            });
        }
        for (FleetSnapshot.Node node : now.nodes()) {
            if (before.node(node.nodeId()).filter(n -> PRESENT.contains(n.status())).isEmpty() && PRESENT.contains(node.status())) {
                added.add(node.nodeId());
            }
            if (node.status().equals("stale") || node.status().equals("unknown")) {
                stale.put(node.nodeId(), node.status() + (node.ageS() == null ? ", never heard" : ", last heard " + node.ageS() + " s ago"));
            }
        }
        Set<String> offeredBefore = offered(before);
        Set<String> offeredNow = offered(now);
        List<String> capabilitiesGone = offeredBefore.stream().filter(cap -> !offeredNow.contains(cap)).sorted().toList();

        Map<String, Map<String, List<String>>> skew = new TreeMap<>();
        Map<String, Map<String, String>> failed = new TreeMap<>();
        for (FleetSnapshot.Node node : now.nodes()) {
            if (!PRESENT.contains(node.status())) {
                continue;
            }
            for (FleetSnapshot.Plugin plugin : node.plugins()) {
                if ("failed".equals(plugin.status())) {
                    failed.computeIfAbsent(node.nodeId(), k -> new TreeMap<>()).put(plugin.name(), String.valueOf(plugin.error()));
                    continue;
                }
                skew.computeIfAbsent(plugin.name(), k -> new TreeMap<>())
                        .computeIfAbsent(label(plugin), k -> new ArrayList<>()).add(node.nodeId());
            }
        }
        skew.values().removeIf(versions -> versions.size() < 2);

        List<String> regressions = new ArrayList<>();
        gone.forEach(id -> regressions.add("node " + id + " is gone (was " + before.node(id).orElseThrow().status() + " in the baseline)"));
        stale.forEach((id, why) -> regressions.add("node " + id + " is " + why));
        lost.forEach((id, caps) -> regressions.add("node " + id + " lost " + String.join(", ", caps)));
        capabilitiesGone.forEach(cap -> regressions.add("no node offers " + cap + " any more"));
        failed.forEach((id, plugins) -> plugins.forEach((name, why) -> regressions.add("plugin " + name + " failed on node " + id + ": " + why)));
        skew.forEach((name, versions) -> regressions.add("plugin " + name + " differs between nodes: " + versions));
        return new Preflight(baselineFile, before.takenAt(), now.takenAt(), gone, added, stale, lost, capabilitiesGone, skew, failed, changed,
                config, regressions);
    }

    private static Set<String> offered(FleetSnapshot snapshot) {
        Set<String> caps = new TreeSet<>();
        snapshot.nodes().stream().filter(n -> PRESENT.contains(n.status())).forEach(n -> caps.addAll(n.capabilities().keySet()));
        return caps;
    }

    /** A plugin's version as people compare them: the stated version and the start of the hash. */
    private static String label(FleetSnapshot.Plugin plugin) {
        String sha = plugin.sha256() == null ? "?" : plugin.sha256().substring(0, Math.min(12, plugin.sha256().length()));
        return (plugin.version() == null ? "unversioned" : plugin.version()) + " (" + sha + ")";
    }

    private static List<String> pluginChanges(FleetSnapshot.Node before, FleetSnapshot.Node now) {
        if (before.pluginsError() != null || now.pluginsError() != null) {
            return List.of();
        }
        Map<String, FleetSnapshot.Plugin> old = new TreeMap<>();
        before.plugins().forEach(p -> old.put(p.name(), p));
        Map<String, FleetSnapshot.Plugin> current = new TreeMap<>();
        now.plugins().forEach(p -> current.put(p.name(), p));
        List<String> changes = new ArrayList<>();
        old.forEach((name, plugin) -> {
            FleetSnapshot.Plugin after = current.get(name);
            if (after == null) {
                changes.add("removed " + name + " " + label(plugin));
            } else if (!java.util.Objects.equals(plugin.sha256(), after.sha256())) {
                changes.add("changed " + name + " " + label(plugin) + " -> " + label(after));
            }
        });
        current.forEach((name, plugin) -> {
            if (!old.containsKey(name)) {
                changes.add("added " + name + " " + label(plugin));
            }
        });
        return changes;
    }
}
