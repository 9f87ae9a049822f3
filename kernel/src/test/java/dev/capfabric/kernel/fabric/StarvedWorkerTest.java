package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A worker that reads its offload messages late: w2, a process of its own, frozen again and again
 * (SIGSTOP for a while, SIGCONT for a moment) while jobs keep coming, so what it reads on waking are
 * jobs whose attempts the router already gave up and retried on w1, and their cancels. None may run
 * to completion on both, and w2 starts none after the router sent it to w1: the deadline an attempt
 * was sent with counts from its sending ({@link PeerClocks}), not from when w2 got to read it.
 * Hedging is off here, so every second run of a job is a retry after the first attempt was given up.
 */
class StarvedWorkerTest {

    @TempDir
    static Path dir;

    static NatsTestServer nats;
    static final Map<String, NodeProcess> workers = new LinkedHashMap<>();
    static TestNode router;

    @BeforeAll
    static void startFabric() {
        nats = NatsTestServer.start(false, 0);
        Path journal = FaultInjectionTest.journalPlugin(dir.resolve("jars"));
        Map<String, String> env = FabricNodes.env(nats, Duration.ofMillis(1000), Map.of("CAPFABRIC_FABRIC_BREAKER_OPEN__MS", "2000",
                "CAPFABRIC_FABRIC_HEDGE_ENABLED", "false"));
        for (String id : List.of("w1", "w2")) {
            workers.put(id, NodeProcess.start(dir.resolve(id), id, List.of(journal), env));
        }
        router = FabricNodes.start(dir.resolve("r"), "r", List.of(), env);
        await(() -> FabricNodes.fabric(router).nodes(false).nodes().stream()
                .filter(n -> n.status() == NodeStatus.OK && n.capabilities().containsKey("work")).count() == 2, Duration.ofSeconds(180),
                "both workers to serve");
        Map<String, Integer> warm = load("warm", 160, () -> false);
        assertEquals(160, warm.getOrDefault("200", 0), warm.toString());
    }

    @AfterAll
    static void stop() {
        workers.values().forEach(NodeProcess::close);
        if (router != null) {
            router.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {700, 1300})
    void aWorkerFrozenInBurstsRunsNoJobTheRouterGaveUpOn(int frozenMs) throws Exception {
        NodeProcess w2 = workers.get("w2");
        AtomicBoolean loading = new AtomicBoolean(true);
        Thread bursts = Thread.startVirtualThread(() -> {
            while (loading.get()) {
                w2.signal("STOP");
                TestNode.sleep(frozenMs);
                w2.signal("CONT");
                TestNode.sleep(150);
            }
        });
        String tag = "burst" + frozenMs;
        Map<String, Integer> statuses = load(tag, 240, () -> false);
        loading.set(false);
        bursts.join();
        w2.signal("CONT");
        TestNode.sleep(2000);
        Map<String, List<String>> twice = FaultInjectionTest.runTwice(List.copyOf(workers.keySet()), dir, tag);
        List<String> late = startedAfterRetry(tag);
        System.out.println("starved worker, frozen " + frozenMs + " ms at a time: statuses " + statuses + ", run twice " + twice.size()
                + " " + twice + ", started on w2 " + started("w2", tag) + ", ok on w2 " + ok("w2", tag) + ", started on w2 after w1 "
                + late.size() + " " + late);
        assertEquals(240, statuses.getOrDefault("200", 0), statuses.toString());
        assertEquals(Map.of(), twice, "jobs run to completion on both workers");
        assertEquals(List.of(), late, "jobs w2 started after the router had sent them to w1");
    }

    private static Map<String, Integer> load(String tag, int jobs, java.util.function.BooleanSupplier stop) {
        AtomicInteger next = new AtomicInteger();
        Map<String, Integer> statuses = new ConcurrentHashMap<>();
        SplittableRandom seeds = new SplittableRandom(tag.hashCode());
        Map<Integer, Long> sleeps = new HashMap<>();
        for (int i = 0; i < jobs; i++) {
            sleeps.put(i, 100 + seeds.nextLong(201));
        }
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            clients.add(Thread.startVirtualThread(() -> {
                for (int i = next.getAndIncrement(); i < jobs; i = next.getAndIncrement()) {
                    HttpResponse<String> response = router.postJson("/v1/capability/work?sleep_ms=" + sleeps.get(i), "{}",
                            "X-Capfabric-Job-Id", tag + "-" + i, "X-Request-Timeout", "10000");
                    statuses.merge(String.valueOf(response.statusCode()), 1, Integer::sum);
                }
            }));
        }
        for (Thread client : clients) {
            try {
                client.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        return statuses;
    }

    /** Jobs that started on w2 later than on w1: w2 read them after the router had given their attempt up. */
    private static List<String> startedAfterRetry(String tag) {
        Map<String, Long> onW1 = new HashMap<>();
        FaultInjectionTest.journal("w1", dir.resolve("w1")).stream().filter(e -> e.event().equals("start") && e.jobId().startsWith(tag + "-"))
                .forEach(e -> onW1.merge(e.jobId(), e.atMs(), Math::min));
        return FaultInjectionTest.journal("w2", dir.resolve("w2")).stream()
                .filter(e -> e.event().equals("start") && onW1.containsKey(e.jobId()) && e.atMs() > onW1.get(e.jobId()))
                .map(e -> e.jobId() + " +" + (e.atMs() - onW1.get(e.jobId())) + " ms").toList();
    }

    private static long started(String node, String tag) {
        return FaultInjectionTest.journal(node, dir.resolve(node)).stream()
                .filter(e -> e.event().equals("start") && e.jobId().startsWith(tag + "-")).count();
    }

    private static long ok(String node, String tag) {
        return FaultInjectionTest.journal(node, dir.resolve(node)).stream()
                .filter(e -> e.event().equals("end") && e.how().equals("ok") && e.jobId().startsWith(tag + "-")).count();
    }
}
