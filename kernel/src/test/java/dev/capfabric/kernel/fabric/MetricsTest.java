package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /metrics} of real fabric nodes, as operators' tools read it: the JVM and process under the
 * names stock dashboards query, latency buckets up to the longest deadline, and every refusal and
 * offload counted where it happens.
 */
class MetricsTest {

    @TempDir
    static Path dir;

    static NatsTestServer nats;
    /** A router: no provider of its own, everything it serves goes to {@link #worker}. */
    static TestNode router;
    static TestNode worker;
    static RouterAndWorker fleet;

    @BeforeAll
    static void start() {
        nats = NatsTestServer.start(false, 1024 * 1024);
        Path echo = FabricNodes.plugin(dir.resolve("jars"), "echo-one", "echo", 2, "small");
        // small bodies only, so a 413 at the edge is cheap to provoke
        Map<String, String> env = FabricNodes.env(nats, Duration.ofMillis(300), Map.of("CAPFABRIC_DISPATCH_MAX__BODY__BYTES", "4096"));
        fleet = RouterAndWorker.start(dir, nats, List.of(echo), env, "echo");
        router = fleet.router();
        worker = fleet.worker();
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        } else if (nats != null) {
            nats.close();
        }
    }

    /** One sample line of the Prometheus text format. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

    static List<Sample> scrape(TestNode node) {
        var response = node.get("/metrics");
        assertEquals(200, response.statusCode());
        List<Sample> samples = new ArrayList<>();
        for (String line : response.body().split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            assertTrue(m.matches(), "not a sample line: " + line);
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
        }
        return samples;
    }

    static List<Sample> named(List<Sample> samples, String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    @Test
    void jvmAndProcessMetricsCarryTheNamesStockJvmDashboardsQuery() {
        // the node binds the JVM's meters once it serves; a scrape waits for them, and the GC pause timer
        // appears with the first collection after that
        assertFalse(named(scrape(worker), "jvm_memory_used_bytes").isEmpty(), "the first scrape has the JVM's meters");
        System.gc();
        await(() -> !named(scrape(worker), "jvm_gc_pause_seconds_count").isEmpty(), Duration.ofSeconds(5), "a GC pause recorded");
        List<Sample> samples = scrape(worker);
        for (String name : List.of("jvm_memory_used_bytes", "jvm_memory_committed_bytes", "jvm_memory_max_bytes",
                "jvm_gc_pause_seconds_count", "jvm_gc_memory_allocated_bytes_total", "jvm_threads_live_threads",
                "jvm_threads_daemon_threads", "jvm_threads_states_threads", "jvm_classes_loaded_classes", "jvm_info",
                "process_cpu_usage", "process_cpu_seconds_total", "system_cpu_usage", "system_cpu_cores", "process_uptime_seconds",
                "process_start_time_seconds", "process_files_open_files", "process_files_max_files",
                "process_resident_memory_bytes")) {
            assertFalse(named(samples, name).isEmpty(), name + " is missing from /metrics");
        }
        assertTrue(named(samples, "jvm_memory_used_bytes").stream().anyMatch(s -> "heap".equals(s.labels().get("area")) && s.value() > 0));
        assertTrue(named(samples, "process_resident_memory_bytes").getFirst().value() > 10e6, "RSS is that of a JVM");
        assertTrue(named(samples, "process_files_open_files").getFirst().value() > 3, "open files include stdio and the HTTP socket");
        assertTrue(named(samples, "jvm_threads_live_threads").getFirst().value() > 5);
    }

    @Test
    void latencyHistogramsReachTheLongestDeadlineWithFewBuckets() {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, worker.postJson("/v1/capability/echo", "{\"sleep_ms\": \"5\"}").statusCode());
        }
        List<Sample> buckets = named(scrape(worker), "capfabric_job_duration_seconds_bucket");
        assertFalse(buckets.isEmpty(), "the echo job's latency histogram exists");
        Map<Map<String, String>, List<Double>> bySeries = new LinkedHashMap<>();
        for (Sample bucket : buckets) {
            Map<String, String> series = new LinkedHashMap<>(bucket.labels());
            String le = series.remove("le");
            bySeries.computeIfAbsent(series, k -> new ArrayList<>()).add(le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le));
        }
        bySeries.forEach((series, bounds) -> {
            assertTrue(bounds.size() <= 20, series + " has " + bounds.size() + " buckets");
            double largest = bounds.stream().filter(Double::isFinite).mapToDouble(Double::doubleValue).max().orElse(0);
            assertEquals(600.0, largest, series + ": the largest finite bucket is the maximum job timeout");
            assertTrue(bounds.contains(Double.POSITIVE_INFINITY));
            assertTrue(bounds.stream().anyMatch(b -> b <= 0.01), series + " still resolves brief jobs: " + bounds);
        });
    }

    @Test
    void promtoolFindsNoProblemInTheExposition() throws Exception {
        assertEquals(200, router.postJson("/v1/capability/echo", "{}").statusCode());
        for (TestNode node : new TestNode[]{router, worker}) {
            String body = node.get("/metrics").body();
            Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
            try (var in = promtool.getOutputStream()) {
                in.write(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            String said = new String(promtool.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(promtool.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(0, promtool.exitValue(), node.kernel.nodeId() + ": promtool check metrics said:\n" + said);
        }
    }

    /** The value of the one sample of {@code name} whose labels include {@code labels}; 0 when there is none. */
    static double value(List<Sample> samples, String name, Map<String, String> labels) {
        return named(samples, name).stream().filter(s -> s.labels().entrySet().containsAll(labels.entrySet()))
                .mapToDouble(Sample::value).sum();
    }

    static double refusals(TestNode node, String capability, String stage, String reason) {
        return value(scrape(node), "capfabric_jobs_refused_total", Map.of("capability", capability, "stage", stage, "reason", reason));
    }

    @Test
    void refusalsAtTheHttpEdgeAreCountedWithoutGrowingSeriesForMadeUpNames() {
        double notFound = refusals(router, "unknown", "http", "not_found");
        assertEquals(404, router.postJson("/v1/capability/no-such-thing", "{}").statusCode());
        assertEquals(404, router.postJson("/v1/capability/Not_A_Name!", "{}").statusCode());
        assertEquals(notFound + 2, refusals(router, "unknown", "http", "not_found"));
        assertTrue(named(scrape(router), "capfabric_jobs_refused_total").stream()
                .noneMatch(s -> s.labels().get("capability").contains("no-such")), "callers' names never become series");

        double tooLarge = refusals(router, "echo", "http", "too_large");
        assertEquals(413, router.post("/v1/capability/echo", "application/octet-stream", new byte[8192]).statusCode());
        assertEquals(tooLarge + 1, refusals(router, "echo", "http", "too_large"));

        double malformed = refusals(router, "echo", "http", "bad_input");
        assertEquals(400, router.postJson("/v1/capability/echo", "{\"text\": ").statusCode());
        assertEquals(400, router.postJson("/v1/capability/echo", "{}", "X-Capfabric-Node", "Bad.Node").statusCode());
        assertEquals(malformed + 2, refusals(router, "echo", "http", "bad_input"));
    }

    @Test
    void refusalsOfTheFabricRouteAreCounted() {
        double before = refusals(router, "echo", "fabric", "unavailable");
        double notOffered = refusals(router, "echo", "fabric", "not_offered");
        // a node nobody knows, and a model no node offers: both refused by the route, before any dispatcher
        assertEquals(503, router.postJson("/v1/capability/echo", "{}", "X-Capfabric-Node", "ghost").statusCode());
        assertEquals(422, router.postJson("/v1/capability/echo", "{\"model\": \"none-has-it\"}").statusCode());
        assertEquals(before + 1, refusals(router, "echo", "fabric", "unavailable"));
        assertEquals(notOffered + 1, refusals(router, "echo", "fabric", "not_offered"));
    }

    @Test
    void offloadsAreCountedOnBothSidesByPeerAndOutcome() {
        Map<String, String> servedSent = Map.of("node", "worker", "capability", "echo", "outcome", "served");
        Map<String, String> failedSent = Map.of("node", "worker", "capability", "echo", "outcome", "failed");
        Map<String, String> servedReceived = Map.of("origin", "router", "capability", "echo", "outcome", "served");
        double sent = value(scrape(router), "capfabric_offloads_sent_total", servedSent);
        double failed = value(scrape(router), "capfabric_offloads_sent_total", failedSent);
        double received = value(scrape(worker), "capfabric_offloads_received_total", servedReceived);

        assertEquals(200, router.postJson("/v1/capability/echo", "{}").statusCode());
        assertEquals(200, router.postJson("/v1/capability/echo", "{}", "X-Capfabric-Node", "worker").statusCode());
        assertEquals(400, router.postJson("/v1/capability/echo", "{\"fail\": \"bad_input\"}").statusCode());

        assertEquals(sent + 2, value(scrape(router), "capfabric_offloads_sent_total", servedSent));
        assertEquals(failed + 1, value(scrape(router), "capfabric_offloads_sent_total", failedSent));
        assertEquals(received + 2, value(scrape(worker), "capfabric_offloads_received_total", servedReceived));
        List<Sample> routerSamples = scrape(router);
        assertEquals(0.0, value(routerSamples, "capfabric_fabric_breaker_open", Map.of("node", "worker")));
        assertFalse(named(routerSamples, "capfabric_fabric_breaker_open").isEmpty(), "the circuit to the worker is shown");
        assertEquals(1.0, value(routerSamples, "capfabric_fabric_nodes", Map.of("status", "ok")), "the registry's nodes by status");
    }

    @Test
    void aDrainingNodeCountsTheOffloadsItRefuses() {
        double before = refusals(worker, "echo", "offload", "draining");
        double refused = value(scrape(router), "capfabric_offloads_sent_total", Map.of("node", "worker", "outcome", "refused"));
        FabricNodes.fabric(worker).drain();
        try {
            // pinned: the router sends it even after hearing that the worker drains
            assertEquals(503, router.postJson("/v1/capability/echo", "{}", "X-Capfabric-Node", "worker").statusCode());
        } finally {
            FabricNodes.fabric(worker).undrain();
        }
        assertEquals(before + 1, refusals(worker, "echo", "offload", "draining"));
        assertEquals(refused + 1, value(scrape(router), "capfabric_offloads_sent_total", Map.of("node", "worker", "outcome", "refused")));
        await(() -> FabricNodes.fabric(router).status("worker") == NodeStatus.OK, Duration.ofSeconds(5), "the worker to be ok again");
    }

    @Test
    void everyMetricTheShippedGrafanaDashboardQueriesExistsOnRealNodes() throws Exception {
        // what a fleet shows after a little work: an offloaded job, a refusal, a collection
        assertEquals(200, router.postJson("/v1/capability/echo", "{}").statusCode());
        assertEquals(404, router.postJson("/v1/capability/nothing-here", "{}").statusCode());
        scrape(worker); // waits for the JVM's meters, bound once the node serves: the collection below is then seen
        System.gc();
        await(() -> !named(scrape(worker), "jvm_gc_pause_seconds_sum").isEmpty(), Duration.ofSeconds(5), "a GC pause recorded");
        java.util.Set<String> exposed = new java.util.TreeSet<>();
        for (TestNode node : new TestNode[]{router, worker}) {
            scrape(node).forEach(sample -> exposed.add(sample.name()));
        }

        Path dashboard = Path.of("").toAbsolutePath().getParent().resolve("distribution/src/main/grafana/capfabric-fleet.json");
        com.fasterxml.jackson.databind.JsonNode json = TestNode.json(java.nio.file.Files.readString(dashboard));
        List<String> expressions = json.findValues("expr").stream().map(com.fasterxml.jackson.databind.JsonNode::asText).toList();
        assertTrue(expressions.size() >= 10, "the dashboard has its panels: " + expressions);
        Pattern metric = Pattern.compile("\\b((?:capfabric|jvm|process|system)_[a-zA-Z0-9_]+)");
        java.util.Set<String> queried = new java.util.TreeSet<>();
        for (String expression : expressions) {
            Matcher m = metric.matcher(expression);
            while (m.find()) {
                queried.add(m.group(1));
            }
        }
        for (String wanted : List.of("capfabric_jobs_total", "capfabric_job_duration_seconds_bucket", "capfabric_queue_depth",
                "capfabric_jobs_refused_total", "capfabric_fabric_nodes", "capfabric_offloads_sent_total")) {
            assertTrue(queried.contains(wanted), "the dashboard shows " + wanted + ": " + queried);
        }
        java.util.Set<String> missing = new java.util.TreeSet<>(queried);
        missing.removeAll(exposed);
        assertTrue(missing.isEmpty(), "the dashboard queries metrics no node exposes: " + missing);
    }
}
