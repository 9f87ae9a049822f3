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

import static dev.capfabric.bench.fabric.BenchKernels.fabric;

/**
 * P1: one offloaded no-op job through one NATS hop (node a routes to node b, which runs a provider
 * that does nothing), against a raw jnats request/reply to a responder that answers at once, in the
 * same run: the paths take turns job by job so both see the same machine. One caller, one job at a time: latency,
 * not throughput. The job runs through the real route on a (pick, headers, b's service endpoint,
 * b's dispatcher queue and worker, reply). A third line runs the same job on b itself, no NATS.
 */
final class OffloadLatency {

    private static final Capability NOOP = Capability.of("noop");
    private static final byte[] BODY = "{}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ANSWER = "{\"text\":\"ok\"}".getBytes(StandardCharsets.UTF_8);

    private OffloadLatency() {
    }

    static String run(Path dir, int rounds, int perRound) throws Exception {
        List<Kernel> kernels = new ArrayList<>();
        try (BenchNats nats = BenchNats.start(dir.resolve("nats"))) {
            Path plugin = SleepPlugin.build(dir.resolve("jars/noop.jar"), "noop");
            Kernel b = BenchKernels.start(dir.resolve("b"), "b", nats.url(), Duration.ofSeconds(5), List.of(plugin),
                    Map.of("CAPFABRIC_PROVIDERS_SLEEP_CONCURRENCY", "4"));
            kernels.add(b);
            Kernel a = BenchKernels.start(dir.resolve("a"), "a", nats.url(), Duration.ofSeconds(5), List.of(), Map.of());
            kernels.add(a);
            BenchKernels.await(() -> fabric(a).nodes(false).nodes().stream()
                    .anyMatch(n -> n.nodeId().equals("b") && n.capabilities().containsKey("noop")), Duration.ofSeconds(20), "a to know b");
            JobRoute offload = fabric(a).route();
            JobRoute local = fabric(b).route();

            Connection responder = Nats.connect(nats.url());
            Connection requester = Nats.connect(nats.url());
            try {
                responder.createDispatcher(message -> responder.publish(message.getReplyTo(), ANSWER)).subscribe("bench.raw");
                responder.flush(Duration.ofSeconds(2));
                Percentiles viaFabric = new Percentiles();
                Percentiles rawNats = new Percentiles();
                Percentiles onB = new Percentiles();
                for (int i = 0; i < 5000; i++) { // warm-up: JIT, connections, EWMA
                    job(offload, "b");
                    raw(requester);
                    job(local, "b");
                }
                // the paths take turns job by job, so a burst of load from elsewhere on the machine hits all alike
                for (int i = 0; i < rounds * perRound; i++) {
                    for (int kind = 0; kind < 3; kind++) {
                        switch ((kind + i) % 3) {
                            case 0 -> viaFabric.add(job(offload, "b"));
                            case 1 -> rawNats.add(raw(requester));
                            default -> onB.add(job(local, "b"));
                        }
                    }
                }
                return report(viaFabric, rawNats, onB, rounds, perRound);
            } finally {
                requester.close();
                responder.close();
            }
        } finally {
            BenchKernels.stopAll(kernels.reversed());
        }
    }

    private static long job(JobRoute route, String expectedNode) {
        Job job = new Job("p1-" + System.nanoTime(), NOOP, Map.of(), new Payload(Payload.JSON, BODY),
                Instant.now().plusSeconds(10), Cancellation.never());
        long start = System.nanoTime();
        Outcome outcome = route.run(job, Optional.empty());
        long took = System.nanoTime() - start;
        if (!(outcome instanceof Outcome.Served served) || !served.node().equals(expectedNode)) {
            throw new IllegalStateException("the no-op job was not served by " + expectedNode + ": " + outcome);
        }
        return took;
    }

    private static long raw(Connection requester) throws InterruptedException {
        long start = System.nanoTime();
        Message reply = requester.request("bench.raw", BODY, Duration.ofSeconds(5));
        long took = System.nanoTime() - start;
        if (reply == null) {
            throw new IllegalStateException("raw request got no reply");
        }
        return took;
    }

    private static String report(Percentiles fabric, Percentiles raw, Percentiles local, int rounds, int perRound) {
        StringBuilder out = new StringBuilder();
        out.append("| path | samples | p50 (µs) | p90 (µs) | p99 (µs) |\n|---|---:|---:|---:|---:|\n");
        row(out, "raw jnats request/reply (responder answers at once)", raw);
        row(out, "capfabric offload a → b (route, NATS service endpoint, b's queue and worker)", fabric);
        row(out, "capfabric on b itself (route, queue and worker; no NATS)", local);
        out.append(String.format(Locale.ROOT, "%nRatio offload / raw: p50 **%.2f**, p99 **%.2f** (goal ≤ 1.5). %d jobs per path, "
                        + "the paths taking turns job by job; 5000 warm-up jobs each.%n",
                fabric.micros(0.5) / raw.micros(0.5), fabric.micros(0.99) / raw.micros(0.99), rounds * perRound));
        return out.toString();
    }

    private static void row(StringBuilder out, String name, Percentiles p) {
        out.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.0f | %.0f |%n", name, p.count(), p.micros(0.5), p.micros(0.9), p.micros(0.99)));
    }
}
