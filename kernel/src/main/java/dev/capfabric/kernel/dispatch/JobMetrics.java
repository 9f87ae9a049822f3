package dev.capfabric.kernel.dispatch;

import dev.capfabric.spi.Capability;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * Per capability and provider: jobs by outcome and a latency histogram, in the node's own registry.
 */
public final class JobMetrics {

    /**
     * The latency histogram's bucket bounds: from a brief job to the longest deadline a job may have
     * (600 s), 16 buckets per series instead of the 69 of Micrometer's percentile histogram (which
     * also stopped at 30 s).
     */
    static final Duration[] BUCKETS = Stream.of(5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000,
            60_000, 120_000, 300_000, 600_000).map(Duration::ofMillis).toArray(Duration[]::new);

    private static final String SERVED = "served";

    private final MeterRegistry registry;
    // meters found once: building a meter id from tags on every job is most of what recording costs
    private final Map<Key, Counter> outcomes = new ConcurrentHashMap<>();
    private final Map<Key, Timer> durations = new ConcurrentHashMap<>();
    private final Map<Refusal, Counter> refusals = new ConcurrentHashMap<>();

    public JobMetrics(MeterRegistry registry) {
        this.registry = requireNonNull(registry, "registry is null");
    }

    /** A meter's tags; providers and outcomes are few, so the maps stay small. */
    private record Key(Capability capability, String provider, String outcome) {
    }

    private record Refusal(String capability, String stage, String reason) {
    }

    /** The meters of the last job served: a lane serves job after job on the same provider. */
    private record Served(Capability capability, String provider, Counter count, Timer duration) {
    }

    private volatile Served lastServed;

    /** Counts one finished job and, when it ran, its duration. */
    void outcome(Capability capability, String provider, String outcome, double millis) {
        Served last = lastServed;
        // compared by identity: the lane passes the same capability and provider id objects job after job
        if (last != null && last.capability() == capability && last.provider() == provider && outcome.equals(SERVED)) {
            last.count().increment();
            if (millis > 0) {
                last.duration().record((long) (millis * 1e6), TimeUnit.NANOSECONDS);
            }
            return;
        }
        if (outcome.equals(SERVED)) {
            lastServed = new Served(capability, provider, counter(capability, provider, outcome), timer(capability, provider));
        }
        counter(capability, provider, outcome).increment();
        if (millis > 0) {
            timer(capability, provider).record((long) (millis * 1e6), TimeUnit.NANOSECONDS);
        }
    }

    private Counter counter(Capability capability, String provider, String outcome) {
        return outcomes.computeIfAbsent(new Key(capability, provider, outcome), key -> Counter.builder("capfabric.jobs")
                        .description("Jobs by capability, provider and outcome")
                        .tag("capability", key.capability().name())
                        .tag("provider", key.provider())
                        .tag("outcome", key.outcome())
                        .register(registry));
    }

    private Timer timer(Capability capability, String provider) {
        return durations.computeIfAbsent(new Key(capability, provider, ""), key -> Timer.builder("capfabric.job.duration")
                .description("Time providers spent on jobs")
                .tag("capability", key.capability().name())
                .tag("provider", key.provider())
                .serviceLevelObjectives(BUCKETS)
                .register(registry));
    }

    /**
     * Jobs finished on this node since it started, per capability: all of them, and those that did not
     * end {@code served} (cancelled by their callers excepted). What the fabric's heartbeats carry, so
     * that any node's console shows every node's jobs/s and error rate.
     *
     * @param finished per capability, jobs that ended (served, failed, expired, stuck)
     * @param failed   per capability, those of {@code finished} that were not served
     */
    public record Totals(Map<String, Long> finished, Map<String, Long> failed) {
        public Totals {
            finished = Map.copyOf(finished);
            failed = Map.copyOf(failed);
        }
    }

    /** The totals now; reads the counters, no lock. */
    public Totals totals() {
        Map<String, Long> finished = new java.util.TreeMap<>();
        Map<String, Long> failed = new java.util.TreeMap<>();
        outcomes.forEach((key, counter) -> {
            if (key.outcome().equals("cancelled")) {
                return;
            }
            long count = (long) counter.count();
            finished.merge(key.capability().name(), count, Long::sum);
            failed.merge(key.capability().name(), key.outcome().equals("served") ? 0 : count, Long::sum);
        });
        return new Totals(finished, failed);
    }

    /** Counts a job refused before it was queued (full queue, body too large ...). */
    void refused(Capability capability, String reason) {
        refused(capability.name(), DISPATCH, reason);
    }

    /** Where a refusal was decided: the {@code stage} tag of {@code capfabric_jobs_refused_total}. */
    public static final String HTTP = "http";
    public static final String DISPATCH = "dispatch";
    public static final String FABRIC = "fabric";
    public static final String OFFLOAD = "offload";

    /**
     * Counts a job refused before any provider ran it, wherever that was decided: at the HTTP edge
     * (unknown capability, body too large ...), by the dispatcher (queue full, no usable provider ...),
     * by the fabric route (no node can serve, pinned node gone ...) or by the offload server (draining,
     * too many offloaded jobs ...). {@code capability} must be a known capability's name, or
     * {@code "unknown"}: callers' made-up names must not grow the number of series.
     */
    public void refused(String capability, String stage, String reason) {
        refusals.computeIfAbsent(new Refusal(capability, stage, reason),
                        key -> Counter.builder("capfabric.jobs.refused")
                                .description("Jobs refused before a provider ran them, by where and why")
                                .tag("capability", key.capability())
                                .tag("stage", key.stage())
                                .tag("reason", key.reason())
                                .register(registry))
                .increment();
    }

    /** The registry the node's meters live in. */
    public MeterRegistry registry() {
        return registry;
    }
}
