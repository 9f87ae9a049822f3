package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.annotation.JsonInclude;

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
 * @param jobs          per capability, jobs finished since the sender started; null when it does not say
 * @param failed        per capability, those of {@code jobs} not served; null when it does not say
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FabricLoad(double cpu,
                         double memory,
                         Map<String, Integer> queueDepth,
                         Map<String, Integer> inflight,
                         Map<String, Integer> concurrency,
                         Map<String, Double> serviceMillis,
                         Map<String, Long> jobs,
                         Map<String, Long> failed) {

    public FabricLoad {
        queueDepth = queueDepth == null ? Map.of() : Map.copyOf(queueDepth);
        inflight = inflight == null ? Map.of() : Map.copyOf(inflight);
        concurrency = concurrency == null ? Map.of() : Map.copyOf(concurrency);
        serviceMillis = serviceMillis == null ? Map.of() : Map.copyOf(serviceMillis);
        jobs = jobs == null ? null : Map.copyOf(jobs);
        failed = failed == null ? null : Map.copyOf(failed);
    }

    /** A load that says nothing of finished jobs. */
    public FabricLoad(double cpu, double memory, Map<String, Integer> queueDepth, Map<String, Integer> inflight,
                      Map<String, Integer> concurrency, Map<String, Double> serviceMillis) {
        this(cpu, memory, queueDepth, inflight, concurrency, serviceMillis, null, null);
    }

    static FabricLoad none() {
        return new FabricLoad(0, 0, Map.of(), Map.of(), Map.of(), Map.of());
    }
}
