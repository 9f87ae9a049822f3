package dev.capfabric.kernel.fabric;

import java.util.Map;

/**
 * A node's load as the fabric sees it: the {@code load} of heartbeats and of the global view.
 * Missing maps (an older or foreign sender) read as empty.
 *
 * @param cpu           system CPU load, 0 to 1
 * @param memory        fraction of memory in use, 0 to 1
 * @param queueDepth    per capability, jobs waiting for a worker
 * @param inflight      per capability, jobs running
 * @param concurrency   per capability, jobs the node runs at once
 * @param serviceMillis per capability, recent service time (moving average), milliseconds
 */
public record FabricLoad(double cpu,
                         double memory,
                         Map<String, Integer> queueDepth,
                         Map<String, Integer> inflight,
                         Map<String, Integer> concurrency,
                         Map<String, Double> serviceMillis) {

    public FabricLoad {
        queueDepth = queueDepth == null ? Map.of() : Map.copyOf(queueDepth);
        inflight = inflight == null ? Map.of() : Map.copyOf(inflight);
        concurrency = concurrency == null ? Map.of() : Map.copyOf(concurrency);
        serviceMillis = serviceMillis == null ? Map.of() : Map.copyOf(serviceMillis);
    }

    static FabricLoad none() {
        return new FabricLoad(0, 0, Map.of(), Map.of(), Map.of(), Map.of());
    }
}
