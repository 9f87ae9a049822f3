package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.TestPlugins;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Starts test kernels that join a test NATS server, with plugin jars built once per test class. */
final class FabricNodes {

    private FabricNodes() {
    }

    /** Builds a one-provider echo plugin jar (see {@link TestPlugins#provider}) into {@code dir}. */
    static Path plugin(Path dir, String providerId, String capability, int concurrency, String... models) {
        return TestPlugins.provider("test." + providerId.replace('-', '_'), providerId, capability)
                .concurrency(concurrency).models(models).build(dir.resolve(providerId + ".jar"));
    }

    /** The environment of a fabric node: NATS URL, fast heartbeats, plus {@code extra}. */
    static Map<String, String> env(NatsTestServer nats, Duration heartbeat, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("CAPFABRIC_NATS_URL", nats.url());
        env.put("CAPFABRIC_FABRIC_HEARTBEAT__INTERVAL__MS", String.valueOf(heartbeat.toMillis()));
        env.putAll(extra);
        return env;
    }

    /** Starts a node in {@code home} with copies of {@code jars} as its plugins, and waits until it joined. */
    static TestNode start(Path home, String nodeId, List<Path> jars, Map<String, String> env) {
        copyPlugins(home, jars);
        TestNode node = TestNode.start(home, nodeId, env);
        try {
            if (!fabric(node).awaitJoined(Duration.ofSeconds(10))) {
                throw new AssertionError("node " + nodeId + " did not join the fabric within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return node;
    }

    /** Starts a node without a fabric in {@code home} with copies of {@code jars} as its plugins. */
    static TestNode startAlone(Path home, String nodeId, List<Path> jars) {
        copyPlugins(home, jars);
        return TestNode.start(home, nodeId);
    }

    private static void copyPlugins(Path home, List<Path> jars) {
        try {
            Files.createDirectories(home.resolve("plugins"));
            for (Path jar : jars) {
                Files.copy(jar, home.resolve("plugins").resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Fabric fabric(TestNode node) {
        return node.kernel.fabric().orElseThrow(() -> new AssertionError("node has no fabric"));
    }

    /** Polls until {@code condition} holds; fails with {@code what} after {@code timeout}. */
    static void await(BooleanSupplier condition, Duration timeout, String what) {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            TestNode.sleep(20);
        }
    }
}
