package dev.capfabric.kernel.dispatch;

import dev.capfabric.spi.Capability;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * Per capability and provider: jobs by outcome and a latency histogram, in the node's own registry.
 */
public final class JobMetrics {

    private final MeterRegistry registry;
    // meters found once: building a meter id from tags on every job is most of what recording costs
    private final Map<Key, Counter> outcomes = new ConcurrentHashMap<>();
    private final Map<Key, Timer> durations = new ConcurrentHashMap<>();

    public JobMetrics(MeterRegistry registry) {
        this.registry = requireNonNull(registry, "registry is null");
    }

    /** A meter's tags; providers and outcomes are few, so the maps stay small. */
    private record Key(Capability capability, String provider, String outcome) {
    }

    /** Counts one finished job and, when it ran, its duration. */
    void outcome(Capability capability, String provider, String outcome, double millis) {
        outcomes.computeIfAbsent(new Key(capability, provider, outcome), key -> Counter.builder("capfabric.jobs")
                        .description("Jobs by capability, provider and outcome")
                        .tag("capability", key.capability().name())
                        .tag("provider", key.provider())
                        .tag("outcome", key.outcome())
                        .register(registry))
                .increment();
        if (millis > 0) {
            durations.computeIfAbsent(new Key(capability, provider, ""), key -> Timer.builder("capfabric.job.duration")
                            .description("Time providers spent on jobs")
                            .tag("capability", key.capability().name())
                            .tag("provider", key.provider())
                            .publishPercentileHistogram()
                            .register(registry))
                    .record((long) (millis * 1e6), TimeUnit.NANOSECONDS);
        }
    }

    /** Counts a job refused before it was queued (full queue, body too large ...). */
    void refused(Capability capability, String reason) {
        Counter.builder("capfabric.jobs.refused")
                .description("Jobs refused at admission")
                .tag("capability", capability.name())
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    MeterRegistry registry() {
        return registry;
    }
}
