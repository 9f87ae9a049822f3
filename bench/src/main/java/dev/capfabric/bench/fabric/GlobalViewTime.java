package dev.capfabric.bench.fabric;

import dev.capfabric.kernel.Kernel;
import dev.capfabric.kernel.fabric.Discovered;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.capfabric.bench.fabric.BenchKernels.fabric;

/**
 * P4: time to a full global view with 1000 simulated nodes on one nats-server. A node that just
 * joined knows nobody: its start-up discovery ends once as many nodes answered as the first answers
 * say exist. A node that knows the fleet ends once every known node answered. Either way the window
 * (250 ms) is only the bound for nodes that do not answer; the seed waited a fixed 500 ms.
 */
final class GlobalViewTime {

    private GlobalViewTime() {
    }

    static String run(Path dir, int nodes) throws Exception {
        try (BenchNats nats = BenchNats.start(dir.resolve("nats"));
             SimulatedFleet fleet = new SimulatedFleet(nats.url(), nodes, 4)) {
            Percentiles fresh = new Percentiles();
            List<String> freshNotes = new ArrayList<>();
            Kernel last = null;
            int joins = 7;
            for (int i = 0; i < joins; i++) {
                if (last != null) {
                    last.stop(Duration.ofSeconds(1));
                }
                Kernel joiner = BenchKernels.start(dir.resolve("joiner-" + i), "joiner-" + i, nats.url(), Duration.ofSeconds(5), List.of(), Map.of());
                Discovered first = fabric(joiner).lastDiscovery().orElseThrow();
                int viewed = fabric(joiner).globalView(false).nodeCount() - 1;
                if (i > 0) { // the first join also warms the JIT and the server's subject cache
                    fresh.add(first.took().toNanos());
                }
                if (i > 0) {
                    freshNotes.add(first.answered() + "/" + viewed + (first.complete() ? "" : " (window closed)"));
                }
                last = joiner;
            }
            Percentiles refresh = new Percentiles();
            int incomplete = 0;
            for (int i = 0; i < 30; i++) {
                Discovered again = fabric(last).discover().orElseThrow();
                refresh.add(again.took().toNanos());
                if (!again.complete() || again.answered() != nodes) {
                    incomplete++;
                }
            }
            int viewed = fabric(last).globalView(false).nodeCount() - 1;
            last.stop(Duration.ofSeconds(1));
            StringBuilder out = new StringBuilder();
            out.append("| case | runs | p50 (ms) | max (ms) | nodes answered / in the global view |\n|---|---:|---:|---:|---|\n");
            out.append(String.format(Locale.ROOT, "| a node joins %d nodes (knows none; start-up discovery) | %d | %.1f | %.1f | %s |%n",
                    nodes, fresh.count(), fresh.millis(0.5), fresh.millis(1.0), String.join(", ", freshNotes)));
            out.append(String.format(Locale.ROOT, "| `?fresh=true` on a node that knows all %d | %d | %.1f | %.1f | %d incomplete; view holds %d |%n",
                    nodes, refresh.count(), refresh.millis(0.5), refresh.millis(1.0), incomplete, viewed));
            out.append(String.format(Locale.ROOT, "%nGoal < 100 ms; the seed's fixed window was 500 ms. The %d simulated nodes answer from "
                    + "4 connections in the benchmark's JVM, on the same 2 cores as the node being measured.%n", nodes));
            return out.toString();
        }
    }
}
