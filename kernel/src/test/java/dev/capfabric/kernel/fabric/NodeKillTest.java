package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.TestNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static dev.capfabric.kernel.fabric.FabricNodes.fabric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node killed with SIGKILL while it holds offloaded jobs: a separate JVM running the kernel's
 * {@code Main} from the test's module path. Node a routes, b (the process) and c both serve
 * {@code slow}.
 */
class NodeKillTest {

    private static final Duration HEARTBEAT = Duration.ofMillis(500);
    private static final long JOB_MS = 2500;
    private static final long DEADLINE_MS = 15_000;

    @TempDir
    Path dir;

    private NatsTestServer nats;
    private final List<TestNode> nodes = new ArrayList<>();
    private Process killed;

    @AfterEach
    void stop() {
        if (killed != null) {
            killed.destroyForcibly();
        }
        nodes.forEach(TestNode::close);
        if (nats != null) {
            nats.close();
        }
    }

    @Test
    void everyJobHeldByAKilledNodeStillGetsAnAnswerWithinItsDeadline() throws Exception {
        nats = NatsTestServer.start(false, 0);
        Path slow = FabricNodes.plugin(dir.resolve("jars"), "slow-echo", "slow", 2);
        Map<String, String> env = FabricNodes.env(nats, HEARTBEAT, Map.of());
        TestNode a = FabricNodes.start(dir.resolve("a"), "a", List.of(), env);
        nodes.add(a);
        nodes.add(FabricNodes.start(dir.resolve("c"), "c", List.of(slow), env));
        Path bHome = dir.resolve("b");
        killed = startProcess(bHome, "b", slow, env);
        try {
            await(() -> fabric(a).status("b") == NodeStatus.OK
                            && fabric(a).nodes(false).nodes().stream().anyMatch(n -> n.nodeId().equals("b") && n.capabilities().containsKey("slow")),
                    Duration.ofSeconds(60), "the node process b to join");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; its log:\n" + Files.readString(bHome.resolve("node.log")), e);
        }

        List<CompletableFuture<HttpResponse<String>>> jobs = new ArrayList<>();
        long sent = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            String id = "held-" + i;
            jobs.add(CompletableFuture.supplyAsync(() -> a.postJson("/v1/capability/slow?sleep_ms=" + JOB_MS, "{}",
                    "X-Request-Timeout", String.valueOf(DEADLINE_MS), "X-Capfabric-Job-Id", id), Thread::startVirtualThread));
        }
        Path bSeen = bHome.resolve("work/data/slow-echo/seen.log");
        await(() -> lines(bSeen) >= 1, Duration.ofSeconds(5), "b to be running some of the jobs");
        killed.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

        for (CompletableFuture<HttpResponse<String>> job : jobs) {
            HttpResponse<String> response = job.get(DEADLINE_MS + 5000, TimeUnit.MILLISECONDS);
            long tookMs = (System.nanoTime() - sent) / 1_000_000;
            assertTrue(tookMs <= DEADLINE_MS + 500, "answered within its deadline: " + tookMs + " ms");
            assertEquals(200, response.statusCode(), "served by the surviving node: " + response.body());
            assertEquals("c", response.headers().firstValue("X-Capfabric-Node").orElseThrow());
        }
        List<String> ranOnC = Files.readAllLines(dir.resolve("c/work/data/slow-echo/seen.log"));
        for (int i = 0; i < 4; i++) {
            assertTrue(ranOnC.contains("held-" + i), "job held-" + i + " ran on c: " + ranOnC);
        }

        await(() -> fabric(a).status("b") == NodeStatus.STALE || fabric(a).status("b") == NodeStatus.GONE,
                HEARTBEAT.multipliedBy(6), "b to go stale");
        await(() -> fabric(a).status("b") == NodeStatus.GONE, HEARTBEAT.multipliedBy(14), "b to be gone");
    }

    private static long lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file).size() : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** Starts a kernel in its own JVM, from the module path this test runs on. */
    private static Process startProcess(Path home, String nodeId, Path plugin, Map<String, String> env) throws IOException {
        Files.createDirectories(home.resolve("plugins"));
        Files.copy(plugin, home.resolve("plugins").resolve(plugin.getFileName()));
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String modulePath = System.getProperty("jdk.module.path");
        if (modulePath == null || modulePath.isBlank()) {
            throw new IllegalStateException("the test does not run on the module path");
        }
        List<String> command = List.of(java,
                "--sun-misc-unsafe-memory-access=allow",
                "--enable-native-access=ALL-UNNAMED,capfabric.kernel",
                "--module-path", withoutTestJars(modulePath),
                // the libraries surefire put on the class path (JNA for OSHI, BouncyCastle for jnats ...), as in the test JVM
                "--class-path", withoutTestJars(System.getProperty("java.class.path", "")),
                "-m", "capfabric.kernel/dev.capfabric.kernel.Main");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(home.resolve("node.log").toFile());
        builder.environment().putAll(env);
        builder.environment().put("CAPFABRIC_NODE_ID", nodeId);
        builder.environment().put("CAPFABRIC_HOME", home.toString());
        builder.environment().put("CAPFABRIC_HOST", "127.0.0.1");
        builder.environment().put("CAPFABRIC_PORT", "0");
        return builder.start();
    }

    /** A path of the test JVM without the test classes and test-only jars (JUnit and friends). */
    private static String withoutTestJars(String path) {
        List<String> kept = new ArrayList<>();
        for (String entry : path.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            String name = Path.of(entry).getFileName().toString();
            if (!name.equals("test-classes") && !name.startsWith("junit-") && !name.startsWith("opentest4j")
                    && !name.startsWith("apiguardian")) {
                kept.add(entry);
            }
        }
        return String.join(File.pathSeparator, kept);
    }
}
