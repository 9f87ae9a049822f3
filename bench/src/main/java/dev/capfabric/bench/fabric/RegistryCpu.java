package dev.capfabric.bench.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.http.Json;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * P6: CPU a node spends on its registry while 1000 simulated nodes heartbeat every 5 s (200
 * heartbeats a second). The node runs in a process of its own, without providers; its CPU time is
 * read from the OS over the same period once idle (only its own heartbeats) and once with the fleet
 * heartbeating, and the difference is the registry's share.
 */
final class RegistryCpu {

    private static final Duration PERIOD = Duration.ofSeconds(40);

    private RegistryCpu() {
    }

    static String run(Path dir, int nodes) throws Exception {
        try (BenchNats nats = BenchNats.start(dir.resolve("nats"));
             SimulatedFleet fleet = new SimulatedFleet(nats.url(), nodes, 4)) {
            Path home = dir.resolve("observer");
            Files.createDirectories(home.resolve("plugins"));
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            ProcessBuilder builder = new ProcessBuilder(ModuleLaunch.nodeCommand()).directory(home.toFile())
                    .redirectErrorStream(true).redirectOutput(home.resolve("node.log").toFile());
            builder.environment().put("CAPFABRIC_NODE_ID", "observer");
            builder.environment().put("CAPFABRIC_HOME", home.toString());
            builder.environment().put("CAPFABRIC_HOST", "127.0.0.1");
            builder.environment().put("CAPFABRIC_PORT", String.valueOf(port));
            builder.environment().put("CAPFABRIC_NATS_URL", nats.url());
            Process node = builder.start();
            try {
                HttpClient http = HttpClient.newHttpClient();
                URI nodesUri = URI.create("http://127.0.0.1:" + port + "/v1/nodes");
                await(() -> okNodes(http, nodesUri) >= 0, Duration.ofSeconds(60), node, home);
                Thread.sleep(10_000); // start-up done: JIT, first discovery
                double idle = cpuShare(node, PERIOD);

                fleet.startHeartbeats(Duration.ofSeconds(5));
                await(() -> okNodes(http, nodesUri) == nodes, Duration.ofSeconds(60), node, home);
                Thread.sleep(10_000);
                double loaded = cpuShare(node, PERIOD);
                int ok = okNodes(http, nodesUri);
                return String.format(Locale.ROOT, """
                        | node process | CPU (%% of one core) |
                        |---|---:|
                        | idle: no other node | %.2f |
                        | %d nodes heartbeating every 5 s (%d ok in its registry) | %.2f |
                        | **registry's share** (difference) | **%.2f** |

                        Goal < 2 %% of one core. Each period %d s, after 10 s of settling; CPU time of the node's process as the OS reports it.
                        """, idle * 100, nodes, ok, loaded * 100, (loaded - idle) * 100, PERIOD.toSeconds());
            } finally {
                node.destroy();
                node.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static double cpuShare(Process node, Duration period) throws InterruptedException {
        long cpu0 = cpu(node);
        long wall0 = System.nanoTime();
        Thread.sleep(period.toMillis());
        long cpu1 = cpu(node);
        long wall1 = System.nanoTime();
        return (double) (cpu1 - cpu0) / (wall1 - wall0);
    }

    private static long cpu(Process node) {
        return node.toHandle().info().totalCpuDuration().orElseThrow(() -> new IllegalStateException("no process CPU time")).toNanos();
    }

    private static int okNodes(HttpClient http, URI uri) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return -1;
            }
            JsonNode nodes = Json.MAPPER.readTree(response.body()).get("nodes");
            int ok = 0;
            for (JsonNode node : nodes) {
                if (node.get("node_id").asText().startsWith("sim-") && node.get("status").asText().equals("ok")) {
                    ok++;
                }
            }
            return ok;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @FunctionalInterface
    private interface Check {
        boolean holds();
    }

    private static void await(Check check, Duration timeout, Process node, Path home) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (!check.holds()) {
            if (!node.isAlive() || System.nanoTime() > end) {
                throw new IllegalStateException("the observer node did not get there; its log:\n" + Files.readString(home.resolve("node.log")));
            }
            Thread.sleep(200);
        }
    }
}
