package dev.capfabric.bench.fabric;

import dev.capfabric.kernel.Kernel;
import dev.capfabric.kernel.dispatch.JobRoute;
import dev.capfabric.kernel.dispatch.Outcome;
import dev.capfabric.kernel.jobs.JobState;
import dev.capfabric.kernel.jobs.Jobs;
import dev.capfabric.spi.Cancellation;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Durable jobs (issue 19), on one nats-server with JetStream:
 * <ul>
 *   <li>D1: no-op jobs per second through the JetStream work queue (submitted on node a, pulled and run by
 *   node b, state and result written back) against synchronous offload a → b, in one run;</li>
 *   <li>D3: the delay from a worker's SIGKILL to its job running again on another node, against the
 *   heartbeat interval (goal ≤ 2 intervals).</li>
 * </ul>
 * {@code ./mvnw -q -Pbench -pl bench exec:exec -Dexec.executable="$JAVA_HOME/bin/java"
 * -Dexec.args="-classpath %classpath dev.capfabric.bench.fabric.DurableJobsBench [d1] [d3]"}.
 */
public final class DurableJobsBench {

    private static final Capability NOOP = Capability.of("noop");
    private static final byte[] BODY = "{}".getBytes(StandardCharsets.UTF_8);
    private static final int CALLERS = 16;

    private DurableJobsBench() {
    }

    public static void main(String[] args) throws Exception {
        if (!ModuleLaunch.inModuleLayer()) {
            System.exit(ModuleLaunch.relaunch(DurableJobsBench.class.getName(), args));
        }
        Logger.getLogger("").setLevel(Level.WARNING);
        java.util.Arrays.stream(Logger.getLogger("").getHandlers()).forEach(h -> h.setLevel(Level.WARNING));
        List<String> only = new ArrayList<>(List.of(args));
        only.remove(ModuleLaunch.CHILD_FLAG);
        if (only.isEmpty()) {
            only = List.of("d1", "d3");
        }
        Path dir = Files.createTempDirectory("capfabric-jobs-bench");
        StringBuilder report = new StringBuilder();
        if (only.contains("d1")) {
            report.append("\n### D1: no-op jobs per second, durable (JetStream) vs synchronous offload\n\n");
            report.append(throughput(dir.resolve("d1"), 3000));
            System.out.println(report);
        }
        if (only.contains("d3")) {
            report.append("\n### D3: redelivery after a worker is killed\n\n");
            report.append(redelivery(dir.resolve("d3"), 3, Duration.ofSeconds(1)));
        }
        System.out.println(report);
        System.exit(0);
    }

    static String throughput(Path dir, int jobs) throws Exception {
        List<Kernel> kernels = new ArrayList<>();
        try (BenchNats nats = BenchNats.startWithJetStream(dir.resolve("nats"))) {
            Path plugin = SleepPlugin.build(dir.resolve("jars/noop.jar"), "noop");
            Kernel b = BenchKernels.start(dir.resolve("b"), "b", nats.url(), Duration.ofSeconds(5), List.of(plugin),
                    Map.of("CAPFABRIC_PROVIDERS_SLEEP_CONCURRENCY", "8", "CAPFABRIC_JOBS_MEMORY", "true"));
            kernels.add(b);
            Kernel a = BenchKernels.start(dir.resolve("a"), "a", nats.url(), Duration.ofSeconds(5), List.of(),
                    Map.of("CAPFABRIC_JOBS_MEMORY", "true"));
            kernels.add(a);
            BenchKernels.await(() -> BenchKernels.fabric(a).nodes(false).nodes().stream()
                    .anyMatch(n -> n.nodeId().equals("b") && n.capabilities().containsKey("noop")), Duration.ofSeconds(20), "a to know b");
            JobRoute offload = BenchKernels.fabric(a).route();
            // warm-up of both paths
            syncRun(offload, 2000);
            asyncRun(a.jobs(), 1000, "w");
            double sync = syncRun(offload, jobs);
            double async = asyncRun(a.jobs(), jobs, "m");
            return String.format(Locale.ROOT, """
                    | path | jobs | jobs/s |
                    |---|---:|---:|
                    | synchronous offload a → b (%d callers) | %d | %.0f |
                    | durable: submit on a (%d callers), JetStream work queue, b pulls, runs, writes state and result; until all succeeded | %d | %.0f |

                    Durable / synchronous: **%.2f**. b runs the no-op provider with 8 slots; stream and buckets in memory; one run, after a warm-up of each path.
                    """, CALLERS, jobs, sync, CALLERS, jobs, async, async / sync);
        } finally {
            BenchKernels.stopAll(kernels.reversed());
        }
    }

    private static double syncRun(JobRoute route, int jobs) throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
        try {
            long start = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < CALLERS; c++) {
                int share = jobs / CALLERS;
                done.add(callers.submit(() -> {
                    for (int i = 0; i < share; i++) {
                        Outcome outcome = route.run(job("s"), Optional.empty());
                        if (!(outcome instanceof Outcome.Served)) {
                            throw new IllegalStateException("offload failed: " + outcome);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            return (jobs / CALLERS * CALLERS) / ((System.nanoTime() - start) / 1e9);
        } finally {
            callers.shutdownNow();
        }
    }

    private static double asyncRun(Jobs jobs, int count, String prefix) throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
        List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            long start = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < CALLERS; c++) {
                int share = count / CALLERS;
                done.add(callers.submit(() -> {
                    for (int i = 0; i < share; i++) {
                        Job job = job(prefix);
                        ids.add(jobs.submit(job, Duration.ofSeconds(30), Optional.empty(), Optional.empty()).state().id());
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            for (String id : ids) {
                while (true) {
                    JobState state = jobs.state(id).orElseThrow();
                    if (state.status().equals(JobState.SUCCEEDED)) {
                        break;
                    }
                    if (state.ended()) {
                        throw new IllegalStateException("job " + id + " ended " + state);
                    }
                    Thread.sleep(2);
                }
            }
            return ids.size() / ((System.nanoTime() - start) / 1e9);
        } finally {
            callers.shutdownNow();
        }
    }

    private static Job job(String prefix) {
        return new Job(prefix + java.util.UUID.randomUUID().toString().replace("-", ""), NOOP, Map.of(), new Payload(Payload.JSON, BODY),
                Instant.now().plusSeconds(30), Cancellation.never());
    }

    static String redelivery(Path dir, int rounds, Duration heartbeat) throws Exception {
        List<Kernel> kernels = new ArrayList<>();
        StringBuilder rows = new StringBuilder("| round | SIGKILL → running on w2 (ms) | / heartbeat interval |\n|---|---:|---:|\n");
        try (BenchNats nats = BenchNats.startWithJetStream(dir.resolve("nats"))) {
            Path plugin = SleepPlugin.build(dir.resolve("jars/slow.jar"), "slow");
            // provider keys take '_' for '-' (not '__' as the kernel's own keys do): DELAY__MS would set "delay--ms", and
            // the job would end at once on w1, before it could be killed
            Map<String, String> env = Map.of("CAPFABRIC_PROVIDERS_SLEEP_DELAY_MS", "60000", "CAPFABRIC_JOBS_MEMORY", "true");
            Kernel a = BenchKernels.start(dir.resolve("a"), "a", nats.url(), heartbeat, List.of(), env);
            kernels.add(a);
            List<Double> delays = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                Path home = dir.resolve("w1-" + round);
                Files.createDirectories(home.resolve("plugins"));
                Files.copy(plugin, home.resolve("plugins/slow.jar"));
                ProcessBuilder builder = new ProcessBuilder(ModuleLaunch.nodeCommand()).directory(home.toFile())
                        .redirectErrorStream(true).redirectOutput(home.resolve("node.log").toFile());
                builder.environment().putAll(env);
                builder.environment().put("CAPFABRIC_NODE_ID", "w1");
                builder.environment().put("CAPFABRIC_HOME", home.toString());
                builder.environment().put("CAPFABRIC_HOST", "127.0.0.1");
                builder.environment().put("CAPFABRIC_PORT", "0");
                builder.environment().put("CAPFABRIC_NATS_URL", nats.url());
                builder.environment().put("CAPFABRIC_FABRIC_HEARTBEAT__INTERVAL__MS", String.valueOf(heartbeat.toMillis()));
                Process w1 = builder.start();
                try {
                    BenchKernels.await(() -> BenchKernels.fabric(a).nodes(false).nodes().stream()
                            .anyMatch(n -> n.nodeId().equals("w1") && n.capabilities().containsKey("slow")), Duration.ofSeconds(60), "w1 up");
                    Job job = new Job("r" + round + "x" + System.nanoTime(), Capability.of("slow"), Map.of(),
                            new Payload(Payload.JSON, BODY), Instant.now().plusSeconds(120), Cancellation.never());
                    String id = a.jobs().submit(job, Duration.ofSeconds(120), Optional.empty(), Optional.empty()).state().id();
                    BenchKernels.await(() -> running(a.jobs(), id, "w1"), Duration.ofSeconds(30), "running on w1");
                    Kernel w2 = BenchKernels.start(dir.resolve("w2-" + round), "w2", nats.url(), heartbeat, List.of(plugin), env);
                    try {
                        Thread.sleep(heartbeat.toMillis() * 2); // w2 settled, pulling
                        w1.destroyForcibly(); // SIGKILL
                        long killed = System.nanoTime();
                        try {
                            BenchKernels.await(() -> running(a.jobs(), id, "w2"), Duration.ofSeconds(30), "running on w2");
                        } catch (IllegalStateException e) {
                            throw new IllegalStateException(e.getMessage() + "; the job is " + a.jobs().state(id) + "; its consumer: "
                                    + consumer(nats.url()), e);
                        }
                        double ms = (System.nanoTime() - killed) / 1e6;
                        delays.add(ms);
                        rows.append(String.format(Locale.ROOT, "| %d | %.0f | %.2f |%n", round, ms, ms / heartbeat.toMillis()));
                        a.jobs().cancel(id, "the benchmark");
                    } finally {
                        w2.stop(Duration.ZERO);
                    }
                } finally {
                    w1.destroyForcibly();
                    w1.waitFor(10, TimeUnit.SECONDS);
                }
            }
            delays.sort(null);
            rows.append(String.format(Locale.ROOT, "%nHeartbeat interval %d ms; ack wait = one interval (the default); a running job's claim is "
                            + "renewed every third of it. Median **%.0f ms = %.2f intervals** (goal ≤ 2).%n",
                    heartbeat.toMillis(), delays.get(delays.size() / 2), delays.get(delays.size() / 2) / heartbeat.toMillis()));
            return rows.toString();
        } finally {
            BenchKernels.stopAll(kernels.reversed());
        }
    }

    /** What JetStream says of the slow capability's consumer, to tell why a job was not redelivered. */
    private static String consumer(String url) {
        try (io.nats.client.Connection nats = io.nats.client.Nats.connect(url)) {
            var info = nats.jetStreamManagement().getConsumerInfo("CAPFABRIC_JOBS", "capfabric-jobs-slow");
            return "ack wait " + info.getConsumerConfiguration().getAckWait() + ", ack pending " + info.getNumAckPending()
                    + ", redelivered " + info.getRedelivered() + ", waiting pulls " + info.getNumWaiting() + ", pending " + info.getNumPending();
        } catch (Exception e) {
            return "unknown (" + e + ")";
        }
    }

    private static boolean running(Jobs jobs, String id, String node) {
        try {
            Optional<JobState> state = jobs.state(id);
            return state.isPresent() && state.get().status().equals(JobState.RUNNING) && node.equals(state.get().node());
        } catch (Exception e) {
            return false;
        }
    }
}
