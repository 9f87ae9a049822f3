package dev.capfabric.kernel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each kind of change {@code capfabric preflight} reports, and which of them are regressions. */
class PreflightTest {

    private static FleetSnapshot.Node node(String id, String status, List<String> caps, List<FleetSnapshot.Plugin> plugins, String config) {
        Map<String, JsonNode> capabilities = new LinkedHashMap<>();
        caps.forEach(cap -> capabilities.put(cap, JsonNodeFactory.instance.objectNode()));
        return new FleetSnapshot.Node(id, status, status.equals("unknown") ? null : 1.0, "http://" + id, capabilities, plugins, config, null);
    }

    private static FleetSnapshot.Plugin plugin(String name, String version, String sha) {
        return new FleetSnapshot.Plugin(name, "loaded", version, sha, name + ".jar", null);
    }

    private static FleetSnapshot snapshot(FleetSnapshot.Node... nodes) {
        return new FleetSnapshot(FleetSnapshot.FORMAT, "2026-12-03T10:00:00Z", "http://a", "a", List.of(nodes));
    }

    private static final FleetSnapshot BASELINE = snapshot(
            node("a", "ok", List.of("stt"), List.of(plugin("stt", "1.0", "aaaa")), "c1"),
            node("b", "ok", List.of("stt", "ocr"), List.of(plugin("stt", "1.0", "aaaa"), plugin("ocr", "2.0", "bbbb")), "c1"),
            node("c", "ok", List.of("tts"), List.of(plugin("tts", "1.0", "cccc")), "c1"));

    @Test
    void theSameFabricIsNoRegression() {
        Preflight report = Preflight.compare("base.json", BASELINE, BASELINE);
        assertFalse(report.regressed(), report.regressions().toString());
        assertTrue(report.nodesGone().isEmpty() && report.nodesNew().isEmpty() && report.pluginsChanged().isEmpty());
    }

    @Test
    void everyKindOfRegressionIsReported() {
        FleetSnapshot now = snapshot(
                node("a", "ok", List.of("stt"), List.of(plugin("stt", "1.1", "dddd")), "c2"),
                node("b", "stale", List.of("stt"), List.of(plugin("stt", "1.0", "aaaa"),
                        new FleetSnapshot.Plugin("ocr", "failed", null, "eeee", "ocr.jar", "factory refuses")), "c1"),
                node("d", "ok", List.of("stt"), List.of(), "c1"));
        Preflight report = Preflight.compare("base.json", BASELINE, now);
        assertTrue(report.regressed());
        assertEquals(List.of("c"), report.nodesGone());
        assertEquals(List.of("d"), report.nodesNew());
        assertTrue(report.nodesStale().containsKey("b"), report.nodesStale().toString());
        assertEquals(Map.of("b", List.of("ocr"), "c", List.of("tts")), report.capabilitiesLost());
        assertEquals(List.of("ocr", "tts"), report.capabilitiesGone());
        assertEquals(Map.of("ocr", "factory refuses"), report.pluginsFailed().get("b"));
        assertEquals(2, report.versionSkew().get("stt").size(), report.versionSkew().toString());
        assertEquals(List.of("changed stt 1.0 (aaaa) -> 1.1 (dddd)"), report.pluginsChanged().get("a"));
        assertEquals(List.of("a"), report.configChanged());
        for (String expected : List.of("node c is gone", "node b is stale", "node b lost ocr", "no node offers tts any more",
                "plugin ocr failed on node b", "plugin stt differs between nodes")) {
            assertTrue(report.regressions().stream().anyMatch(line -> line.startsWith(expected)), expected + " in " + report.regressions());
        }
    }

    @Test
    void newNodesAndChangedSettingsAloneAreNoRegression() {
        FleetSnapshot now = snapshot(
                node("a", "ok", List.of("stt", "image"), List.of(plugin("stt", "1.0", "aaaa")), "c9"),
                node("b", "draining", List.of("stt", "ocr"), List.of(plugin("stt", "1.0", "aaaa"), plugin("ocr", "2.0", "bbbb")), "c1"),
                node("c", "ok", List.of("tts"), List.of(plugin("tts", "1.0", "cccc"), plugin("extra", null, "ffff")), "c1"),
                node("e", "ok", List.of(), List.of(), "c1"));
        Preflight report = Preflight.compare("base.json", BASELINE, now);
        assertFalse(report.regressed(), report.regressions().toString());
        assertEquals(List.of("e"), report.nodesNew());
        assertEquals(List.of("a"), report.configChanged());
        assertEquals(List.of("added extra unversioned (ffff)"), report.pluginsChanged().get("c"));
    }
}
