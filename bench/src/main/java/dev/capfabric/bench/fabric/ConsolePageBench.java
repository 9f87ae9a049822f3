package dev.capfabric.bench.fabric;

import dev.capfabric.kernel.Kernel;
import dev.capfabric.kernel.http.Json;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The console's fleet page with 100 simulated nodes: bytes transferred and time to first render in
 * Debian's chromium (playwright-core), cold cache every round. One real node serves the page; the
 * simulated nodes answer discovery and heartbeat on the same nats-server.
 *
 * <pre>./mvnw -q -Pbench -pl bench exec:exec@console-page</pre>
 * (needs nats-server, chromium and the npm clients .ci/setup installs). Arguments: {@code --nodes N}
 * (100), {@code --rounds N} (7, the first is a warm-up and not counted), {@code --out FILE}.
 */
public final class ConsolePageBench {

    private ConsolePageBench() {
    }

    public static void main(String[] args) throws Exception {
        if (!ModuleLaunch.inModuleLayer()) {
            System.exit(ModuleLaunch.relaunch(ConsolePageBench.class.getName(), args));
        }
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        java.util.Arrays.stream(java.util.logging.Logger.getLogger("").getHandlers()).forEach(h -> h.setLevel(java.util.logging.Level.WARNING));
        args = java.util.Arrays.stream(args).filter(a -> !a.equals(ModuleLaunch.CHILD_FLAG)).toArray(String[]::new);
        int nodes = 100;
        int rounds = 7;
        Path out = null;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--nodes" -> nodes = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Path dir = Files.createTempDirectory("capfabric-console-bench");
        Path script = Path.of(System.getProperty("capfabric.bench.repo", ".")).toAbsolutePath().resolve("bench/src/main/console/page-weight.mjs");
        if (!Files.exists(script)) {
            script = Path.of("src/main/console/page-weight.mjs").toAbsolutePath();
        }
        List<Map<?, ?>> results = new ArrayList<>();
        try (BenchNats nats = BenchNats.start(dir.resolve("nats"));
             SimulatedFleet fleet = new SimulatedFleet(nats.url(), nodes, 4)) {
            fleet.startHeartbeats(Duration.ofSeconds(5));
            Kernel node = BenchKernels.start(dir.resolve("viewer"), "viewer", nats.url(), Duration.ofSeconds(5), List.of(), Map.of());
            try {
                int expected = nodes + 1;
                BenchKernels.await(() -> node.fabric().orElseThrow().nodes(false).nodes().size() >= expected, Duration.ofSeconds(30),
                        expected + " nodes in the registry");
                Process browser = new ProcessBuilder("node", script.toString(), "http://127.0.0.1:" + node.port(),
                        String.valueOf(expected), String.valueOf(rounds)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(browser.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = lines.readLine()) != null; ) {
                        System.out.println(line);
                        results.add(Json.MAPPER.readValue(line, Map.class));
                    }
                }
                if (browser.waitFor() != 0) {
                    throw new IllegalStateException("the browser script failed");
                }
            } finally {
                node.stop(Duration.ofSeconds(2));
            }
        }
        List<Map<?, ?>> counted = results.subList(1, results.size());
        Percentiles render = new Percentiles();
        long maxBytes = 0;
        long minBytes = Long.MAX_VALUE;
        for (Map<?, ?> r : counted) {
            render.add((long) (((Number) r.get("render_ms")).doubleValue() * 1e6));
            maxBytes = Math.max(maxBytes, ((Number) r.get("bytes")).longValue());
            minBytes = Math.min(minBytes, ((Number) r.get("bytes")).longValue());
        }
        String table = String.format(Locale.ROOT, "| nodes listed | cold loads | transferred to first render (KB) | of which the first fleet event (KB) | requests | first render p50 (ms) | max (ms) |%n"
                        + "|---:|---:|---:|---:|---:|---:|---:|%n| %d | %d | %.1f–%.1f | %.1f | %s | %.0f | %.0f |%n",
                nodes + 1, counted.size(), minBytes / 1000.0, maxBytes / 1000.0,
                ((Number) counted.getFirst().get("first_event_bytes")).doubleValue() / 1000.0, counted.getFirst().get("requests"),
                render.millis(0.5), render.millis(1.0));
        System.out.print(table);
        if (out != null) {
            Files.writeString(out, table);
        }
    }
}
