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

    @BeforeAll
    static void start() {
        nats = NatsTestServer.start(false, 1024 * 1024);
        Path echo = FabricNodes.plugin(dir.resolve("jars"), "echo-one", "echo", 2);
        Map<String, String> env = FabricNodes.env(nats, Duration.ofMillis(300), Map.of());
        router = FabricNodes.start(dir.resolve("router"), "router", List.of(), env);
        worker = FabricNodes.start(dir.resolve("worker"), "worker", List.of(echo), env);
        await(() -> FabricNodes.fabric(router).nodes(false).nodes().stream().anyMatch(n -> n.capabilities().containsKey("echo")),
                Duration.ofSeconds(10), "the router to know the worker's echo capability");
    }

    @AfterAll
    static void stop() {
        for (TestNode node : new TestNode[]{router, worker}) {
            if (node != null) {
                node.close();
            }
        }
        if (nats != null) {
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
        System.gc(); // the GC pause timer appears with the first collection
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
}
