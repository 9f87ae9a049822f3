package dev.capfabric.kernel.node;

import java.util.Map;

/**
 * The {@code load} object of {@code /caps} and heartbeats.
 *
 * @param cpu        system CPU load, 0 to 1
 * @param memory     fraction of memory in use, 0 to 1
 * @param queueDepth per capability, jobs waiting for a worker
 * @param inflight   per capability, jobs running
 */
public record NodeLoad(double cpu, double memory, Map<String, Integer> queueDepth, Map<String, Integer> inflight) {

    public NodeLoad {
        queueDepth = Map.copyOf(queueDepth);
        inflight = Map.copyOf(inflight);
    }
}
