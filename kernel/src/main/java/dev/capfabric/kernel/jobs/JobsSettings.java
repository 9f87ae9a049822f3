package dev.capfabric.kernel.jobs;

import dev.capfabric.kernel.config.InvalidSettingsException;
import io.helidon.config.Config;

import java.time.Duration;
import java.util.Optional;

/**
 * Durable jobs, from {@code capfabric.jobs}: where they live in JetStream and how they are retried.
 *
 * @param enabled         whether this node offers {@code /v1/jobs} and pulls jobs ({@code enabled}, true)
 * @param stream          the work-queue stream ({@code stream}, {@code CAPFABRIC_JOBS})
 * @param stateBucket     the KV bucket of job states and idempotency keys ({@code state-bucket}, {@code capfabric-jobs})
 * @param dataBucket      the Object Store bucket of large inputs and all results ({@code data-bucket}, {@code capfabric-job-data})
 * @param ttl             how long states, results and queued jobs are kept ({@code ttl-s}, 86400)
 * @param ackWait         how long a job's claim lasts without a progress ack: a job whose node died is
 *                        redelivered after at most this ({@code ack-wait-ms}, one heartbeat interval)
 * @param maxAttempts     runs of a job before it is {@code failed} ({@code max-attempts}, 3)
 * @param replicas        stream and bucket replicas; 0 picks 3 when the cluster has 3+ servers, else 1 ({@code replicas}, 0)
 * @param memory          whether JetStream keeps them in memory rather than files ({@code memory}, false)
 * @param pageSize        the most jobs one list answer holds ({@code page-size}, 100)
 * @param callbackTries   tries to deliver a callback ({@code callback-tries}, 5)
 * @param callbackBackoff wait before the second try, doubled for each next one ({@code callback-backoff-ms}, 500)
 * @param domain          the JetStream domain that holds the stream and buckets ({@code domain}, none): set it on
 *                        nodes of an edge site whose NATS server is a leaf node of the hub's, to the domain the
 *                        hub's servers declare ({@code jetstream { domain: hub }})
 */
public record JobsSettings(boolean enabled, String stream, String stateBucket, String dataBucket, Duration ttl,
                           Duration ackWait, int maxAttempts, int replicas, boolean memory, int pageSize,
                           int callbackTries, Duration callbackBackoff, Optional<String> domain) {

    public JobsSettings {
        if (maxAttempts < 1 || maxAttempts > 20) {
            throw new InvalidSettingsException("capfabric.jobs.max-attempts must be 1 to 20, not " + maxAttempts);
        }
        if (ackWait.toMillis() < 200) {
            throw new InvalidSettingsException("capfabric.jobs.ack-wait-ms must be at least 200");
        }
        if (ttl.toSeconds() < 1) {
            throw new InvalidSettingsException("capfabric.jobs.ttl-s must be at least 1");
        }
        if (replicas < 0 || replicas > 5) {
            throw new InvalidSettingsException("capfabric.jobs.replicas must be 0 (automatic) to 5, not " + replicas);
        }
        if (pageSize < 1 || pageSize > 1000) {
            throw new InvalidSettingsException("capfabric.jobs.page-size must be 1 to 1000, not " + pageSize);
        }
        if (domain.isPresent() && !domain.get().matches("[A-Za-z0-9_-]{1,64}")) {
            throw new InvalidSettingsException("capfabric.jobs.domain must be a JetStream domain name (letters, digits, - and _), not '"
                    + domain.get() + "'");
        }
        if (callbackTries < 1 || callbackTries > 10) {
            throw new InvalidSettingsException("capfabric.jobs.callback-tries must be 1 to 10, not " + callbackTries);
        }
    }

    /** Reads the section; {@code heartbeat} is the fabric's heartbeat interval, the default ack wait. */
    public static JobsSettings of(Config jobs, Duration heartbeat) {
        return new JobsSettings(
                jobs.get("enabled").asBoolean().orElse(true),
                jobs.get("stream").asString().orElse("CAPFABRIC_JOBS"),
                jobs.get("state-bucket").asString().orElse("capfabric-jobs"),
                jobs.get("data-bucket").asString().orElse("capfabric-job-data"),
                Duration.ofSeconds(jobs.get("ttl-s").asLong().orElse(86_400L)),
                Duration.ofMillis(jobs.get("ack-wait-ms").asLong().orElse(heartbeat.toMillis())),
                jobs.get("max-attempts").asInt().orElse(3),
                jobs.get("replicas").asInt().orElse(0),
                jobs.get("memory").asBoolean().orElse(false),
                jobs.get("page-size").asInt().orElse(100),
                jobs.get("callback-tries").asInt().orElse(5),
                Duration.ofMillis(jobs.get("callback-backoff-ms").asLong().orElse(500L)),
                jobs.get("domain").asString().asOptional().map(String::strip).filter(d -> !d.isEmpty()));
    }
}
