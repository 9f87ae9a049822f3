package dev.capfabric.bench.fabric;

import dev.capfabric.kernel.fabric.FabricLoad;
import dev.capfabric.kernel.fabric.Heartbeat;
import dev.capfabric.kernel.http.Json;
import dev.capfabric.kernel.node.CapabilitySummary;
import dev.capfabric.kernel.node.HardwareProfile;
import dev.capfabric.kernel.node.NodeCaps;
import dev.capfabric.kernel.node.NodeLoad;
import dev.capfabric.kernel.plugins.ProviderReport;
import dev.capfabric.kernel.plugins.ProviderStatus;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.nats.client.impl.Headers;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Many simulated nodes on a few NATS connections, speaking the fabric protocol as a node would:
 * each answers discovery and caps requests with a realistic capabilities document (two
 * capabilities, hardware, providers) and, once started, heartbeats with load and digest.
 */
final class SimulatedFleet implements AutoCloseable {

    private static final String DIGEST = "simulated-v1";

    private final int size;
    private final List<Connection> connections = new ArrayList<>();
    private final List<byte[]> caps = new ArrayList<>();
    private final ScheduledExecutorService beats = Executors.newScheduledThreadPool(1);

    SimulatedFleet(String natsUrl, int size, int connectionCount) throws Exception {
        this.size = size;
        for (int c = 0; c < connectionCount; c++) {
            connections.add(Nats.connect(natsUrl));
        }
        List<Dispatcher> dispatchers = connections.stream().map(c -> c.createDispatcher()).toList();
        for (int i = 0; i < size; i++) {
            String id = id(i);
            byte[] document = Json.bytes(caps(id));
            caps.add(document);
            Connection connection = connections.get(i % connectionCount);
            Dispatcher dispatcher = dispatchers.get(i % connectionCount);
            Headers answerHeaders = new Headers().put("Capfabric-Node", id).put("Capfabric-Digest", DIGEST)
                    .put("Capfabric-Known-Nodes", String.valueOf(size));
            dispatcher.subscribe("capfabric.discover", request -> {
                if (request.getReplyTo() != null) {
                    connection.publish(request.getReplyTo(), answerHeaders, document);
                }
            });
            dispatcher.subscribe("capfabric.node." + id + ".caps", request ->
                    connection.publish(request.getReplyTo(), answerHeaders, document));
        }
        for (Connection connection : connections) {
            connection.flush(Duration.ofSeconds(10));
        }
    }

    static String id(int index) {
        return String.format(Locale.ROOT, "sim-%04d", index);
    }

    private static NodeCaps caps(String id) {
        Map<String, CapabilitySummary> capabilities = Map.of(
                "stt", new CapabilitySummary(List.of("whisper-remote"), List.of("base", "small"), List.of("en", "de", "fr"), List.of()),
                "tts", new CapabilitySummary(List.of("espeak-ng"), List.of(), List.of("en", "de"), List.of("en-us", "de")));
        List<ProviderReport> providers = List.of(
                new ProviderReport("whisper-remote", "stt", "stt", ProviderStatus.USABLE, "ok", List.of("base", "small"),
                        List.of("en", "de", "fr"), List.of(), List.of("audio/wav"), List.of("application/json"), 32L << 20, 2, Map.of()),
                new ProviderReport("espeak-ng", "tts", "tts", ProviderStatus.USABLE, "ok", List.of(), List.of("en", "de"),
                        List.of("en-us", "de"), List.of("application/json"), List.of("audio/wav"), 1L << 20, 4, Map.of()));
        return new NodeCaps(id, "0.1.0", "http://" + id + ".fleet.test:8080", "2026-01-01T00:00:00Z",
                new HardwareProfile("Simulated CPU @ 3.0GHz", 8, 16L << 30,
                        List.of(new HardwareProfile.Gpu("Simulated GPU", "Simulated", 8L << 30)), "Linux 6.1"),
                new NodeLoad(0.2, 0.4, Map.of("stt", 0, "tts", 0), Map.of("stt", 1, "tts", 0)),
                capabilities, providers, List.of());
    }

    /** Every node heartbeats every {@code interval}, the nodes spread evenly over it. */
    void startHeartbeats(Duration interval) {
        long step = Math.max(1, interval.toNanos() / size);
        for (int i = 0; i < size; i++) {
            String id = id(i);
            Connection connection = connections.get(i % connections.size());
            long[] seq = {0};
            beats.scheduleAtFixedRate(() -> {
                Heartbeat beat = new Heartbeat(id, seq[0]++, Instant.now().toString(), interval.toMillis(), DIGEST, false,
                        new FabricLoad(0.2, 0.4, Map.of("stt", 0, "tts", 0), Map.of("stt", 1, "tts", 0), Map.of("stt", 2, "tts", 4),
                                Map.of("stt", 850.0, "tts", 120.0)), null);
                connection.publish("capfabric.node." + id + ".heartbeat", Json.bytes(beat));
            }, step * i, interval.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    int size() {
        return size;
    }

    @Override
    public void close() throws InterruptedException {
        beats.shutdownNow();
        for (Connection connection : connections) {
            connection.close();
        }
    }
}
