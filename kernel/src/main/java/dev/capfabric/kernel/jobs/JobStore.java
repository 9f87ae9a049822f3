package dev.capfabric.kernel.jobs;

import com.fasterxml.jackson.core.JacksonException;
import dev.capfabric.kernel.http.Json;
import io.nats.client.Connection;
import io.nats.client.JetStreamOptions;
import io.nats.client.KeyValueOptions;
import io.nats.client.ObjectStoreOptions;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.ObjectStore;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.ObjectMeta;
import io.nats.client.api.ObjectStoreConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

import static java.util.Objects.requireNonNull;

/**
 * Where durable jobs live in JetStream: the work-queue stream of submitted jobs, the KV bucket of their
 * states (key {@code job.<id>}) and idempotency keys (key {@code idem.<sha-256 of the key>}), and the
 * Object Store bucket of inputs above the max payload ({@code in.<id>}) and results ({@code out.<id>}).
 * All three keep what they hold for the configured TTL. Created on first use by whichever node comes
 * first; every node opens them by name.
 *
 * <p>State changes are compare-and-set on the key's revision, so two nodes (a redelivery racing a
 * cancel, say) never overwrite each other's change unseen, and an ended job never changes again.
 */
final class JobStore {

    /** JetStream is not there or refused: the message says why, for a 503. */
    static final class Unavailable extends Exception {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final int CHUNK = 128 * 1024;
    private static final int CHUNK_ROOM = 4 * 1024;

    private final JobsSettings settings;
    private final String subjectPrefix;
    private final Connection nats;
    private final KeyValue states;
    private final ObjectStore data;

    private final JetStreamOptions domain;

    private JobStore(JobsSettings settings, String subjectPrefix, Connection nats, KeyValue states, ObjectStore data,
                     JetStreamOptions domain) {
        this.domain = domain;
        this.settings = settings;
        this.subjectPrefix = subjectPrefix;
        this.nats = nats;
        this.states = states;
        this.data = data;
    }

    /** Opens the stream and buckets, creating those missing. */
    static JobStore open(JobsSettings settings, String subjectPrefix, Connection nats) throws Unavailable {
        requireNonNull(settings, "settings is null");
        try {
            int replicas = replicas(settings, nats);
            StorageType storage = settings.memory() ? StorageType.Memory : StorageType.File;
            // an edge node behind a leaf node reaches the hub's JetStream through the hub's domain
            JetStreamOptions domain = settings.domain().map(d -> JetStreamOptions.builder().domain(d).build())
                    .orElse(JetStreamOptions.DEFAULT_JS_OPTIONS);
            KeyValueOptions kv = KeyValueOptions.builder().jetStreamOptions(domain).build();
            ObjectStoreOptions os = ObjectStoreOptions.builder().jetStreamOptions(domain).build();
            var streams = nats.jetStreamManagement(domain);
            try {
                streams.getStreamInfo(settings.stream());
            } catch (JetStreamApiException missing) {
                streams.addStream(StreamConfiguration.builder()
                        .name(settings.stream())
                        .description("capfabric durable jobs, one message per submitted job")
                        .subjects(subjectPrefix + ".jobs.run.>")
                        .retentionPolicy(RetentionPolicy.WorkQueue)
                        .storageType(storage)
                        .replicas(replicas)
                        .maxAge(settings.ttl())
                        .build());
            }
            var kvs = nats.keyValueManagement(kv);
            try {
                kvs.getStatus(settings.stateBucket());
            } catch (JetStreamApiException missing) {
                kvs.create(KeyValueConfiguration.builder().name(settings.stateBucket())
                        .description("capfabric durable job states and idempotency keys")
                        .maxHistoryPerKey(1).ttl(settings.ttl()).storageType(storage).replicas(replicas).build());
            }
            var objects = nats.objectStoreManagement(os);
            try {
                objects.getStatus(settings.dataBucket());
            } catch (JetStreamApiException missing) {
                objects.create(ObjectStoreConfiguration.builder(settings.dataBucket())
                        .description("capfabric durable job inputs above the max payload, and results")
                        .ttl(settings.ttl()).storageType(storage).replicas(replicas).build());
            }
            return new JobStore(settings, subjectPrefix, nats, nats.keyValue(settings.stateBucket(), kv),
                    nats.objectStore(settings.dataBucket(), os), domain);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            throw new Unavailable("durable jobs need JetStream on the NATS server (stream '" + settings.stream()
                    + "', buckets '" + settings.stateBucket() + "' and '" + settings.dataBucket() + "'): " + e.getMessage(), e);
        }
    }

    /** The configured replicas, or 3 when the connection knows of 3+ servers in its cluster, else 1. */
    static int replicas(JobsSettings settings, Connection nats) {
        if (settings.replicas() > 0) {
            return settings.replicas();
        }
        return nats.getServers().stream().distinct().count() >= 3 ? 3 : 1;
    }

    Connection nats() {
        return nats;
    }

    /** JetStream in the jobs' domain, for publishing jobs. */
    io.nats.client.JetStream jetStream() throws IOException {
        return nats.jetStream(domain);
    }

    /** The jobs' stream, in their domain, for its consumers. */
    io.nats.client.StreamContext stream() throws IOException, JetStreamApiException {
        return nats.getStreamContext(settings.stream(), domain);
    }

    /** How long a state read or write keeps trying through a moment's unavailability. */
    private static final Duration MOMENT = Duration.ofSeconds(10);

    /** {@link #retrying} for the key-value calls, their checked exceptions kept. */
    private static <T> T quickly(Call<T> call) throws IOException, JetStreamApiException {
        try {
            return retrying(MOMENT, call);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    /** A JetStream call that may fail for a moment. */
    @FunctionalInterface
    interface Call<T> {
        T call() throws Exception;
    }

    /**
     * Runs {@code call}, trying again for up to {@code budget} while JetStream is briefly unavailable: a
     * server of the cluster died and its streams elect new leaders, or this node's link moves to another
     * server (timeouts, no responders, 503 from the JetStream API). Other refusals are thrown at once.
     */
    static <T> T retrying(Duration budget, Call<T> call) throws Exception {
        long end = System.nanoTime() + budget.toNanos();
        long wait = 50;
        while (true) {
            try {
                return call.call();
            } catch (JetStreamApiException e) {
                if (e.getErrorCode() != 503 || System.nanoTime() + wait * 1_000_000 > end) {
                    throw e;
                }
            } catch (IOException | IllegalStateException e) {
                if (System.nanoTime() + wait * 1_000_000 > end) {
                    throw e;
                }
            }
            Thread.sleep(wait);
            wait = Math.min(1000, wait * 2);
        }
    }

    /** The subject a job for {@code capability} is published on. */
    String runSubject(String capability) {
        return subjectPrefix + ".jobs.run." + capability;
    }

    /** The subject a job's events are published on. */
    String eventSubject(String id) {
        return subjectPrefix + ".jobs.events." + id;
    }

    /** The subject that asks whichever node runs a job to stop it. */
    String cancelSubject(String id) {
        return subjectPrefix + ".jobs.cancel." + id;
    }

    String cancelSubjects() {
        return subjectPrefix + ".jobs.cancel.*";
    }

    /** A state read with the revision it was read at. */
    record Read(JobState state, long revision) {
    }

    Optional<Read> read(String id) throws IOException, JetStreamApiException {
        KeyValueEntry entry = quickly(() -> states.get("job." + id));
        if (entry == null || entry.getOperation() != KeyValueOperation.PUT || entry.getValue() == null) {
            return Optional.empty();
        }
        return Optional.of(new Read(decode(entry.getValue()), entry.getRevision()));
    }

    /** Writes a new job's first state; false when the id is taken. */
    boolean create(JobState state) throws IOException {
        try {
            states.create("job." + state.id(), Json.bytes(state));
            return true;
        } catch (JetStreamApiException taken) {
            return false;
        }
    }

    /**
     * Changes a job's state: {@code change} sees the current state and returns the next one, or null to
     * leave it. Retried on a concurrent change. Returns the state as it is afterwards (empty when the job
     * is unknown or expired).
     */
    Optional<JobState> change(String id, UnaryOperator<JobState> change) throws IOException, JetStreamApiException {
        for (int tries = 0; tries < 20; tries++) {
            Optional<Read> read = read(id);
            if (read.isEmpty()) {
                return Optional.empty();
            }
            JobState next = change.apply(read.get().state());
            if (next == null) {
                return Optional.of(read.get().state());
            }
            try {
                long revision = read.get().revision();
                quickly(() -> states.update("job." + id, Json.bytes(next), revision));
                return Optional.of(next);
            } catch (JetStreamApiException changedMeanwhile) {
                if (tries == 19) {
                    throw changedMeanwhile;
                }
            }
        }
        throw new IllegalStateException("unreachable");
    }

    /**
     * The job id an idempotency key names: {@code candidate} when this call claimed the key, else the id
     * the first call claimed it for.
     */
    String claimIdempotencyKey(String key, String candidate) throws IOException, JetStreamApiException {
        String name = "idem." + sha256(key);
        try {
            states.create(name, candidate.getBytes(StandardCharsets.US_ASCII));
            return candidate;
        } catch (JetStreamApiException taken) {
            KeyValueEntry entry = states.get(name);
            if (entry == null || entry.getValue() == null) {
                throw taken;
            }
            return new String(entry.getValue(), StandardCharsets.US_ASCII);
        }
    }

    /** Removes a job that could not be queued, and its idempotency key. */
    void forget(String id, java.util.Optional<String> idempotencyKey) throws IOException, JetStreamApiException {
        states.delete("job." + id);
        if (idempotencyKey.isPresent()) {
            states.delete("idem." + sha256(idempotencyKey.get()));
        }
    }

    /** Every job id known (the state bucket's keys), unordered. */
    List<String> ids() throws IOException, JetStreamApiException, InterruptedException {
        return states.keys("job.*").stream().map(key -> key.substring(4)).toList();
    }

    void putData(String name, byte[] bytes) throws IOException, JetStreamApiException, NoSuchAlgorithmException {
        int chunk = (int) Math.max(1024, Math.min(CHUNK, nats.getMaxPayload() - CHUNK_ROOM));
        data.put(ObjectMeta.builder(name).chunkSize(chunk).build(), new ByteArrayInputStream(bytes));
    }

    /** An object's bytes, or empty when it is gone (expired, or never stored). */
    Optional<byte[]> getData(String name) throws IOException, JetStreamApiException, InterruptedException {
        if (data.getInfo(name) == null) {
            return Optional.empty();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            data.get(name, out);
        } catch (NoSuchAlgorithmException e) {
            throw new IOException(e);
        }
        return Optional.of(out.toByteArray());
    }

    void deleteData(String name) {
        try {
            data.delete(name);
        } catch (IOException | JetStreamApiException | RuntimeException ignored) {
            // the bucket's TTL removes it anyway
        }
    }

    private static JobState decode(byte[] json) throws IOException {
        try {
            return Json.MAPPER.readValue(json, JobState.class);
        } catch (JacksonException e) {
            throw new IOException("unreadable job state: " + Json.malformed(e), e);
        }
    }

    private static String sha256(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    JobsSettings settings() {
        return settings;
    }
}
