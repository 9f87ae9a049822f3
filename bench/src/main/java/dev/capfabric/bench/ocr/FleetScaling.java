package dev.capfabric.bench.ocr;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.capfabric.plugin.ocr.FleetProcesses;
import dev.capfabric.plugin.ocr.ScannedDocuments;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A scanned document read across 1, 2 and 4 capfabric node processes (each with the OCR plugin,
 * Tesseract one page at a time, over one nats-server): the document goes to node a, whose provider
 * splits it page by page; the pages are routed over the fleet and merged. Reports the wall time, pages
 * per second, the scaling ratio against one node, the pages each node read, the CER, and the machine's
 * load average ({@code /proc/loadavg}) before each run.
 *
 * <p>Run on demand, after {@code ./mvnw -q -pl kernel,plugins/ocr -am install -DskipTests}:
 * {@code ./mvnw -q -Pbench -pl bench exec:java -Dexec.mainClass=dev.capfabric.bench.ocr.FleetScaling
 * -Dexec.args="--pages 100 --nodes 1,2,4 --out target/fleet-scaling.md"
 * -Docr.plugin.jar=$PWD/plugins/ocr/target/capfabric-plugin-ocr-0.1.0-SNAPSHOT.jar
 * -Docr.plugin.deps=$PWD/plugins/ocr/target/plugin-deps -Dkernel.target=$PWD/kernel/target} (where the
 * fleet's nodes find the plugin folder and the kernel's module path).
 */
public final class FleetScaling {

    private FleetScaling() {
    }

    public static void main(String[] args) throws Exception {
        int pages = 100;
        List<Integer> sizes = List.of(1, 2, 4);
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--pages" -> pages = Integer.parseInt(args[++i]);
                case "--nodes" -> sizes = java.util.Arrays.stream(args[++i].split(",")).map(String::strip).map(Integer::parseInt).toList();
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; use --pages N, --nodes 1,2,4, --out FILE");
            }
        }
        byte[] pdf = ScannedDocuments.scanned(pages, 100);
        String truth = String.join(" ", java.util.stream.IntStream.range(0, pages).mapToObj(ScannedDocuments::text).toList());
        List<String> rows = new ArrayList<>();
        double oneNode = 0;
        for (int size : sizes) {
            Path work = Files.createTempDirectory("capfabric-fleet-scaling");
            try (FleetProcesses fleet = FleetProcesses.start(work)) {
                List<FleetProcesses.Node> nodes = new ArrayList<>();
                for (int n = 0; n < size; n++) {
                    nodes.add(fleet.startNode(String.valueOf((char) ('a' + n)), Map.of("CAPFABRIC_PROVIDERS_TESSERACT_CONCURRENCY", "1",
                            "CAPFABRIC_PROVIDERS_TESSERACT_PDF_DPI", String.valueOf(ScannedDocuments.SCAN_DPI),
                            "CAPFABRIC_DISPATCH_MAX__TIMEOUT__MS", "900000")));
                }
                FleetProcesses.Node first = nodes.getFirst();
                fleet.awaitFleet(first, Duration.ofSeconds(120));
                // warm every node's engine and JIT with a small document first
                fleet.read(first, ScannedDocuments.scanned(2 * size, 1), "application/pdf", Duration.ofMinutes(5));
                String load = Files.readString(Path.of("/proc/loadavg")).strip();
                long start = System.nanoTime();
                HttpResponse<String> response = fleet.read(first, pdf, "application/pdf", Duration.ofMinutes(15));
                double seconds = (System.nanoTime() - start) / 1e9;
                if (response.statusCode() != 200) {
                    throw new IllegalStateException(size + " nodes: " + response.statusCode() + " " + response.body());
                }
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> read = (List<Map<String, Object>>) JSON.std.mapFrom(response.body()).get("pages");
                Map<String, Integer> byNode = new TreeMap<>();
                StringBuilder text = new StringBuilder();
                for (Map<String, Object> page : read) {
                    byNode.merge(String.valueOf(page.get("node")), 1, Integer::sum);
                    text.append(page.get("text")).append(' ');
                }
                double cer = ScannedDocuments.characterErrorRate(truth, text.toString());
                if (size == 1) {
                    oneNode = seconds;
                }
                double speedup = oneNode > 0 ? oneNode / seconds : Double.NaN;
                rows.add(String.format(Locale.ROOT, "| %d | %d | %.1f | %.2f | %.2f | %.2f | %s | %.2f %% | %s |", size, pages, seconds,
                        pages / seconds, speedup, speedup / size, byNode, cer * 100, load));
                System.out.println(rows.getLast());
            }
        }
        String report = "| nodes | pages | wall s | pages/s | speed-up vs 1 node | ratio to N | pages per node | CER | load average before |\n"
                + "|---|---|---|---|---|---|---|---|---|\n" + String.join("\n", rows) + "\n";
        System.out.print(report);
        if (out != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, report);
        }
    }
}
