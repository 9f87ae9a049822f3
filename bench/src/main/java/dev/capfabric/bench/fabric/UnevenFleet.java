package dev.capfabric.bench.fabric;

import dev.capfabric.kernel.Kernel;
import dev.capfabric.kernel.dispatch.JobRoute;
import dev.capfabric.kernel.dispatch.Outcome;
import dev.capfabric.spi.Cancellation;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Phaser;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static dev.capfabric.bench.fabric.BenchKernels.fabric;

/**
 * P3: four nodes of uneven speed (5, 10, 20, 40 ms per job; 1, 2, 3, 4 jobs at once; 650 jobs/s in
 * all) under an open-loop Poisson load of 70 % of that capacity. The same arrivals go once through
 * capfabric's routing (a router node with no provider offloads every job) and once through a plain
 * NATS queue group, where each worker runs the same sleep on a pool of the same size, as a NATS user
 * would build it. Latency is from a job's scheduled arrival to its answer.
 */
final class UnevenFleet {

    private record Node(String id, int delayMs, int concurrency) {
        double jobsPerSecond() {
            return concurrency * 1000.0 / delayMs;
        }
    }

    private static final List<Node> NODES = List.of(new Node("n5", 5, 1), new Node("n10", 10, 2), new Node("n20", 20, 3),
            new Node("n40", 40, 4));
    private static final Capability WORK = Capability.of("work");
    private static final byte[] BODY = "{}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ANSWER = "{\"text\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
    private static final Duration WARM_UP = Duration.ofSeconds(5);
    private static final Duration MEASURED = Duration.ofSeconds(20);
    private static final double LOAD = 0.7;

    private UnevenFleet() {
    }

    /** Sends one job and returns when it is answered; false when it failed. */
    @FunctionalInterface
    private interface Sender {
        String send() throws Exception;
    }

    static String run(Path dir) throws Exception {
        double capacity = NODES.stream().mapToDouble(Node::jobsPerSecond).sum();
        double rate = capacity * LOAD;
        Result fabricResult;
        Result queueResult;
        try (BenchNats nats = BenchNats.start(dir.resolve("nats"))) {
            fabricResult = capfabric(dir, nats, rate, Map.of(), Optional.empty());
            queueResult = queueGroup(nats, rate);
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Nodes %s; capacity %.0f jobs/s; offered %.0f jobs/s (Poisson, same seed for both); "
                + "%d s warm-up, %d s measured.%n%n", describe(), capacity, rate, WARM_UP.toSeconds(), MEASURED.toSeconds()));
        out.append("| routing | jobs | failed | p50 (ms) | p90 (ms) | p99 (ms) | jobs per node |\n|---|---:|---:|---:|---:|---:|---|\n");
        row(out, "capfabric (lowest expected wait)", fabricResult);
        row(out, "NATS queue group", queueResult);
        out.append(String.format(Locale.ROOT, "%nRatio capfabric / queue group p99: **%.2f** (goal ≤ 0.5).%n",
                fabricResult.latency.millis(0.99) / queueResult.latency.millis(0.99)));
        return out.toString();
    }

    private static String describe() {
        List<String> parts = new ArrayList<>();
        NODES.forEach(n -> parts.add(n.id() + " " + n.delayMs() + " ms × " + n.concurrency()));
        return String.join(", ", parts);
    }

    /**
     * What one case gave.
     *
     * @param jobsPerSecond the measured jobs divided by the time from the measured period's start to the last answer
     * @param hedges        hedges the router sent and, of those, the ones whose answer was used
     */
    private record Result(Percentiles latency, int failed, Map<String, Integer> perNode, double jobsPerSecond, Hedges hedges) {
        Result withHedges(Hedges hedges) {
            return new Result(latency, failed, perNode, jobsPerSecond, hedges);
        }
    }

    private record Hedges(long sent, long won) {
    }

    /** One case of the hedging comparison. */
    private record Case(String name, double load, boolean hedging, Optional<String> tailNode) {
    }

    /** The node given a slow tail, and its tail: 5 % of its jobs, drawn at random, take 10 times as long. */
    private static final String TAIL_NODE = "n10";
    private static final String TAIL_SHARE = "0.05";
    private static final String TAIL_FACTOR = "10";

    /**
     * P3 with hedged second attempts off and on, in one run and one NATS server, a fresh fleet per case (the
     * router's answer history and hedge budget start empty each time): the P3 fleet at 70 % and at 95 % of its
     * capacity, and at 70 % with node {@value #TAIL_NODE} slow on 5 % of its jobs (10 ×). Same arrivals (seed)
     * in every case.
     */
    static String hedging(Path dir) throws Exception {
        double capacity = NODES.stream().mapToDouble(Node::jobsPerSecond).sum();
        List<Case> cases = new ArrayList<>();
        for (boolean on : List.of(false, true)) {
            cases.add(new Case("P3 at 70 %", LOAD, on, Optional.empty()));
        }
        for (boolean on : List.of(false, true)) {
            cases.add(new Case("P3 at 70 %, " + TAIL_NODE + " slow on 5 % of its jobs (10 ×)", LOAD, on, Optional.of(TAIL_NODE)));
        }
        for (boolean on : List.of(false, true)) {
            cases.add(new Case("P3 at 95 %", 0.95, on, Optional.empty()));
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Nodes %s; capacity %.0f jobs/s; Poisson arrivals (same seed in every case); %d s warm-up, "
                + "%d s measured; hedging at the p95 of each node's answers, at most 5 %% of the jobs of the last 10 s (the default settings, hedging switched on per case).%n%n",
                describe(), capacity, WARM_UP.toSeconds(), MEASURED.toSeconds()));
        out.append("| case | hedging | offered (jobs/s) | jobs | failed | jobs/s | p50 (ms) | p90 (ms) | p99 (ms) | hedges sent | hedges won | jobs per node |\n");
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        try (BenchNats nats = BenchNats.start(dir.resolve("nats"))) {
            for (int i = 0; i < cases.size(); i++) {
                Case c = cases.get(i);
                double rate = capacity * c.load();
                Result result = capfabric(dir.resolve("h" + i), nats, rate, Map.of("CAPFABRIC_FABRIC_HEDGE_ENABLED", String.valueOf(c.hedging())),
                        c.tailNode());
                out.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %d | %d | %.1f | %.1f | %.1f | %.1f | %d | %d | %s |%n", c.name(),
                        c.hedging() ? "on" : "off", rate, result.latency.count(), result.failed, result.jobsPerSecond, result.latency.millis(0.5),
                        result.latency.millis(0.9), result.latency.millis(0.99), result.hedges.sent(), result.hedges.won(),
                        new java.util.TreeMap<>(result.perNode)));
                System.out.println(out);
            }
        }
        return out.toString();
    }

    private static void row(StringBuilder out, String name, Result result) {
        out.append(String.format(Locale.ROOT, "| %s | %d | %d | %.1f | %.1f | %.1f | %s |%n", name, result.latency.count(), result.failed,
                result.latency.millis(0.5), result.latency.millis(0.9), result.latency.millis(0.99), new java.util.TreeMap<>(result.perNode)));
    }

    private static Result capfabric(Path dir, BenchNats nats, double rate, Map<String, String> routerEnv, Optional<String> tailNode)
            throws Exception {
        List<Kernel> kernels = new ArrayList<>();
        try {
            Path plugin = SleepPlugin.build(dir.resolve("jars/work.jar"), "work");
            for (Node node : NODES) {
                Map<String, String> env = new java.util.HashMap<>(Map.of("CAPFABRIC_PROVIDERS_SLEEP_DELAY_MS", String.valueOf(node.delayMs()),
                        "CAPFABRIC_PROVIDERS_SLEEP_CONCURRENCY", String.valueOf(node.concurrency())));
                if (tailNode.filter(node.id()::equals).isPresent()) {
                    env.put("CAPFABRIC_PROVIDERS_SLEEP_TAIL_SHARE", TAIL_SHARE);
                    env.put("CAPFABRIC_PROVIDERS_SLEEP_TAIL_FACTOR", TAIL_FACTOR);
                }
                kernels.add(BenchKernels.start(dir.resolve(node.id()), node.id(), nats.url(), Duration.ofSeconds(1), List.of(plugin), env));
            }
            Kernel router = BenchKernels.start(dir.resolve("router"), "router", nats.url(), Duration.ofSeconds(1), List.of(), routerEnv);
            kernels.add(router);
            BenchKernels.await(() -> fabric(router).nodes(false).nodes().stream().filter(n -> n.capabilities().containsKey("work")).count()
                    == NODES.size(), Duration.ofSeconds(20), "the router to know the four nodes");
            JobRoute route = fabric(router).route();
            Map<String, Integer> perNode = new ConcurrentHashMap<>();
            Result result = drive(rate, perNode, () -> {
                Job job = new Job("p3-" + System.nanoTime(), WORK, Map.of(), new Payload(Payload.JSON, BODY),
                        Instant.now().plusSeconds(60), Cancellation.never());
                Outcome outcome = route.run(job, Optional.empty());
                if (outcome instanceof Outcome.Served served) {
                    return served.node();
                }
                throw new IllegalStateException(outcome.toString());
            });
            return result.withHedges(hedges(router));
        } finally {
            BenchKernels.stopAll(kernels.reversed());
        }
    }

    private static Result queueGroup(BenchNats nats, double rate) throws Exception {
        List<Connection> connections = new ArrayList<>();
        List<ExecutorService> pools = new ArrayList<>();
        try {
            for (Node node : NODES) {
                Connection worker = Nats.connect(nats.url());
                connections.add(worker);
                ExecutorService pool = Executors.newFixedThreadPool(node.concurrency());
                pools.add(pool);
                byte[] answer = ("{\"node\":\"" + node.id() + "\"}").getBytes(StandardCharsets.UTF_8);
                worker.createDispatcher(message -> pool.submit(() -> {
                    sleep(node.delayMs());
                    worker.publish(message.getReplyTo(), answer);
                })).subscribe("bench.work", "workers");
                worker.flush(Duration.ofSeconds(2));
            }
            Connection requester = Nats.connect(nats.url());
            connections.add(requester);
            return drive(rate, new ConcurrentHashMap<>(), () -> {
                Message reply = requester.request("bench.work", BODY, Duration.ofSeconds(60));
                if (reply == null) {
                    throw new IllegalStateException("no reply");
                }
                String text = new String(reply.getData(), StandardCharsets.UTF_8);
                return text.substring(9, text.length() - 2);
            });
        } finally {
            for (Connection connection : connections) {
                connection.close();
            }
            pools.forEach(ExecutorService::shutdownNow);
        }
    }

    /** The hedges the router sent and won, from its {@code /metrics}. */
    private static Hedges hedges(Kernel router) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        String metrics = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + router.port() + "/metrics"))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        return new Hedges(sum(metrics, "capfabric_fabric_hedges_sent_total"), sum(metrics, "capfabric_fabric_hedges_won_total"));
    }

    private static long sum(String metrics, String name) {
        java.util.regex.Matcher line = java.util.regex.Pattern.compile("(?m)^" + name + "(\\{[^}]*})? ([0-9.eE+-]+)$").matcher(metrics);
        double sum = 0;
        while (line.find()) {
            sum += Double.parseDouble(line.group(2));
        }
        return Math.round(sum);
    }

    /** Offers Poisson arrivals at {@code rate} for the warm-up and the measured period; waits for every answer. */
    private static Result drive(double rate, Map<String, Integer> perNode, Sender sender) throws InterruptedException {
        Random arrivals = new Random(20260101);
        Percentiles latency = new Percentiles();
        AtomicInteger failed = new AtomicInteger();
        Phaser outstanding = new Phaser(1);
        java.util.concurrent.atomic.AtomicLong lastAnswer = new java.util.concurrent.atomic.AtomicLong();
        long start = System.nanoTime();
        long measureFrom = start + WARM_UP.toNanos();
        long end = measureFrom + MEASURED.toNanos();
        long next = start;
        while (next < end) {
            next += (long) (-Math.log(1 - arrivals.nextDouble()) / rate * 1e9);
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            long scheduled = next;
            boolean measured = scheduled >= measureFrom;
            outstanding.register();
            Thread.startVirtualThread(() -> {
                try {
                    String node = sender.send();
                    if (measured) {
                        long now = System.nanoTime();
                        latency.add(now - scheduled);
                        perNode.merge(node, 1, Integer::sum);
                        lastAnswer.accumulateAndGet(now, Math::max);
                    }
                } catch (Exception e) {
                    if (measured) {
                        failed.incrementAndGet();
                    }
                } finally {
                    outstanding.arriveAndDeregister();
                }
            });
        }
        outstanding.arriveAndAwaitAdvance();
        double seconds = Math.max(lastAnswer.get() - measureFrom, MEASURED.toNanos()) / 1e9;
        return new Result(latency, failed.get(), perNode, latency.count() / seconds, new Hedges(0, 0));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
