package dev.capfabric.bench.fabric;

import dev.capfabric.kernel.Kernel;
import dev.capfabric.kernel.config.SettingsLoader;
import dev.capfabric.kernel.fabric.Fabric;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Kernels started in the benchmark's JVM, each with its own folders, joined to the benchmark's NATS server. */
final class BenchKernels {

    private BenchKernels() {
    }

    static Kernel start(Path home, String nodeId, String natsUrl, Duration heartbeat, List<Path> plugins, Map<String, String> extra)
            throws IOException, InterruptedException {
        Files.createDirectories(home.resolve("plugins"));
        for (Path plugin : plugins) {
            Files.copy(plugin, home.resolve("plugins").resolve(plugin.getFileName()));
        }
        Map<String, String> env = new HashMap<>();
        env.put("CAPFABRIC_NODE_ID", nodeId);
        env.put("CAPFABRIC_PORT", "0");
        env.put("CAPFABRIC_HOST", "127.0.0.1");
        env.put("CAPFABRIC_NATS_URL", natsUrl);
        env.put("CAPFABRIC_FABRIC_HEARTBEAT__INTERVAL__MS", String.valueOf(heartbeat.toMillis()));
        env.putAll(extra);
        Kernel kernel = Kernel.start(SettingsLoader.load(env, home));
        if (!fabric(kernel).awaitJoined(Duration.ofSeconds(20))) {
            throw new IllegalStateException("node " + nodeId + " did not join the fabric");
        }
        return kernel;
    }

    static Fabric fabric(Kernel kernel) {
        return kernel.fabric().orElseThrow();
    }

    static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    static void stopAll(List<Kernel> kernels) {
        kernels.forEach(kernel -> kernel.stop(Duration.ofSeconds(2)));
    }
}
