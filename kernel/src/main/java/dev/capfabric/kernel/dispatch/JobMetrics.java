package dev.capfabric.kernel.dispatch;

import dev.capfabric.spi.Capability;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * Per capability and provider: jobs by outcome and a latency histogram, in the node's own registry.
 */
public final class JobMetrics {

    private final MeterRegistry registry;

    public JobMetrics(MeterRegistry registry) {
        this.registry = requireNonNull(registry, "registry is null");
    }

    /** Counts one finished job and, when it ran, its duration. */
    void outcome(Capability capability, String provider, String outcome, double millis) {
        Counter.builder("capfabric.jobs")
                .description("Jobs by capability, provider and outcome")
                .tag("capability", capability.name())
                .tag("provider", provider)
                .tag("outcome", outcome)
                .register(registry)
                .increment();
        if (millis > 0) {
            Timer.builder("capfabric.job.duration")
                    .description("Time providers spent on jobs")
                    .tag("capability", capability.name())
                    .tag("provider", provider)
                    .publishPercentileHistogram()
                    .register(registry)
                    .record(Duration.ofNanos((long) (millis * 1e6)));
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
