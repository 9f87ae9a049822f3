package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static dev.capfabric.kernel.fabric.FabricNodes.fabric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The NATS server goes away and comes back while a node serves local jobs. */
class NatsOutageTest {

    private static final Duration HEARTBEAT = Duration.ofSeconds(1);

    @TempDir
    static Path dir;

    static NatsTestServer nats;
    static TestNode a;
    static TestNode b;

    @BeforeAll
    static void start() {
        nats = NatsTestServer.start(false, 0);
        Path jars = dir.resolve("jars");
        Map<String, String> env = FabricNodes.env(nats, HEARTBEAT, Map.of());
        a = FabricNodes.start(dir.resolve("a"), "a", List.of(FabricNodes.plugin(jars, "here-echo", "here", 4)), env);
        b = FabricNodes.start(dir.resolve("b"), "b", List.of(FabricNodes.plugin(jars, "there-echo", "there", 1)), env);
        await(() -> fabric(a).status("b") == NodeStatus.OK && fabric(b).status("a") == NodeStatus.OK,
                Duration.ofSeconds(10), "a and b to see each other");
    }

    @AfterAll
    static void stop() {
        for (TestNode node : new TestNode[]{a, b}) {
            if (node != null) {
                node.close();
            }
        }
        if (nats != null) {
            nats.close();
        }
    }

    @Test
    void localJobsKeepSucceedingThroughAnOutageAndTheViewRecoversWithinTwoHeartbeats() throws Exception {
        assertEquals("b", a.postJson("/v1/capability/there", "{}").headers().firstValue("X-Capfabric-Node").orElseThrow());

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger served = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<Thread> load = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            load.add(Thread.ofVirtual().start(() -> {
                while (running.get()) {
                    HttpResponse<String> response = a.postJson("/v1/capability/here?sleep_ms=5", "{}");
                    if (response.statusCode() == 200) {
                        served.incrementAndGet();
                    } else {
                        failures.add(response.statusCode() + " " + response.body());
                    }
                }
            }));
        }
        try {
            TestNode.sleep(300);
            nats.stop();
            await(() -> !fabric(a).linkUp(), Duration.ofSeconds(5), "a to notice the outage");
            int beforeOutage = served.get();

            HttpResponse<String> cut = a.postJson("/v1/capability/there", "{}");
            assertEquals(503, cut.statusCode(), "an offload during the outage fails at once, clearly: " + cut.body());
            assertTrue(cut.body().contains("NATS link is down"), cut.body());
            assertTrue(TestNode.json(a.get("/health/ready").body()).toString().contains("\"nats\":\"down\""));

            await(() -> fabric(a).status("b") == NodeStatus.STALE, HEARTBEAT.multipliedBy(6),
                    "b to go stale in a's registry while nothing is heard");
            assertTrue(served.get() > beforeOutage + 10, "local jobs went on during the outage: " + served.get());

            nats.restart();
            long restarted = System.nanoTime();
            await(() -> fabric(a).status("b") == NodeStatus.OK && fabric(b).status("a") == NodeStatus.OK,
                    HEARTBEAT.multipliedBy(2), "the fabric view to recover within two heartbeat intervals");
            long recoveredMs = (System.nanoTime() - restarted) / 1_000_000;
            System.out.println("fabric view recovered " + recoveredMs + " ms after the NATS server came back");

            HttpResponse<String> again = a.postJson("/v1/capability/there", "{}");
            assertEquals(200, again.statusCode(), again.body());
            assertEquals("b", again.headers().firstValue("X-Capfabric-Node").orElseThrow());
        } finally {
            running.set(false);
            for (Thread thread : load) {
                thread.join(10_000);
            }
        }
        assertTrue(failures.isEmpty(), "every local job succeeded: " + failures);
    }
}
