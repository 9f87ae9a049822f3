package dev.capfabric.kernel.jobs;

import dev.capfabric.kernel.dispatch.Dispatcher;
import dev.capfabric.kernel.plugins.PluginHost;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.PublishOptions;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * A node's durable jobs: submits them to the JetStream work queue, reads and changes their states, and
 * runs those it pulls ({@link JobWorkers}). Needs a NATS link to a server with JetStream; without one,
 * every operation throws {@link JobStore.Unavailable} saying why (the HTTP routes answer 503).
 */
public final class Jobs implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Jobs.class.getName());
    /** How long a submission keeps trying while the cluster elects new leaders or the link moves. */
    private static final Duration SUBMIT_BUDGET = Duration.ofSeconds(15);

    private final String nodeId;
    private final JobsSettings settings;
    private final String subjectPrefix;
    private final Supplier<Optional<Connection>> link;
    private final Dispatcher dispatcher;
    private final PluginHost plugins;
    private final Clock clock;
    private final String whyNone;
    private JobStore store; // guarded by this
    private JobWorkers workers; // guarded by this
    private String lastFailure = "the NATS link is not up yet";
    private volatile boolean closed;

    /**
     * @param link          the node's NATS connection while its link is up
     * @param whyNone       when not null, why this node has no durable jobs at all (no NATS configured)
     */
    public Jobs(String nodeId, JobsSettings settings, String subjectPrefix, Supplier<Optional<Connection>> link,
                Dispatcher dispatcher, PluginHost plugins, Clock clock, String whyNone) {
        this.nodeId = requireNonNull(nodeId, "nodeId is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.subjectPrefix = requireNonNull(subjectPrefix, "subjectPrefix is null");
        this.link = requireNonNull(link, "link is null");
        this.dispatcher = requireNonNull(dispatcher, "dispatcher is null");
        this.plugins = requireNonNull(plugins, "plugins is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.whyNone = whyNone;
        plugins.addListener(() -> {
            JobWorkers current;
            synchronized (this) {
                current = workers;
            }
            if (current != null) {
                current.refresh();
            }
        });
    }

    /** A node without NATS: every route answers 503 with {@code why}. */
    public static Jobs none(String nodeId, Dispatcher dispatcher, PluginHost plugins, Clock clock, String why) {
        return new Jobs(nodeId, JobsSettings.of(io.helidon.config.Config.empty(), Duration.ofSeconds(5)), "capfabric",
                Optional::empty, dispatcher, plugins, clock, why);
    }

    /** Opens the store and starts pulling, once the link is up (called when it comes up; retried on use). */
    public void linkUp() {
        if (whyNone == null && settings.enabled()) {
            Thread.ofVirtual().name("capfabric-jobs-open").start(() -> {
                try {
                    store();
                } catch (JobStore.Unavailable e) {
                    LOG.log(System.Logger.Level.INFO, "node {0} offers no durable jobs for now: {1}", nodeId, e.getMessage());
                }
            });
        }
    }

    /** The store, opened now if need be; starts this node's workers with it. */
    synchronized JobStore store() throws JobStore.Unavailable {
        if (whyNone != null) {
            throw new JobStore.Unavailable(whyNone, null);
        }
        if (!settings.enabled()) {
            throw new JobStore.Unavailable("durable jobs are disabled on node " + nodeId + " (capfabric.jobs.enabled)", null);
        }
        if (closed) {
            throw new JobStore.Unavailable("node " + nodeId + " is stopping", null);
        }
        if (store != null) {
            return store;
        }
        Optional<Connection> nats = link.get();
        if (nats.isEmpty()) {
            throw new JobStore.Unavailable("node " + nodeId + " has no NATS link now (" + lastFailure + "); durable jobs need NATS with JetStream", null);
        }
        try {
            store = JobStore.open(settings, subjectPrefix, nats.get());
        } catch (JobStore.Unavailable e) {
            lastFailure = e.getMessage();
            throw e;
        }
        workers = new JobWorkers(nodeId, store, dispatcher, plugins, clock, new Callbacks(settings, this::resultQuietly));
        workers.start();
        return store;
    }

    /** The outcome of a submission: the job's state, and whether this call created it. */
    public record Submitted(JobState state, boolean created) {
    }

    /** Thrown when a submission names an id that another job has. */
    public static final class Conflict extends Exception {
        Conflict(String message) {
            super(message);
        }
    }

    /**
     * Queues a job. With an idempotency key already used, nothing is queued and the first job's state is
     * returned.
     */
    public Submitted submit(Job job, Duration timeout, Optional<String> idempotencyKey, Optional<String> callbackUrl)
            throws JobStore.Unavailable, Conflict {
        JobStore jobs = store();
        String id = job.id();
        boolean created = false;
        try {
            if (idempotencyKey.isPresent()) {
                id = JobStore.retrying(SUBMIT_BUDGET, () -> jobs.claimIdempotencyKey(idempotencyKey.get(), job.id()));
                if (!id.equals(job.id())) {
                    Optional<JobState> first = awaitState(jobs, id);
                    if (first.isPresent()) {
                        return new Submitted(first.get(), false);
                    }
                    throw new Conflict("Idempotency-Key was used for job " + id + ", which has expired or was never queued");
                }
            }
            JobState queued = JobState.queued(id, job.capability().name(), clock.instant(), callbackUrl.orElse(null));
            if (!JobStore.retrying(SUBMIT_BUDGET, () -> jobs.create(queued))) {
                throw new Conflict("a job with id " + id + " exists already");
            }
            created = true;
            JobStore.retrying(SUBMIT_BUDGET, () -> {
                publish(jobs, job, timeout);
                return null;
            });
            return new Submitted(queued, true);
        } catch (Conflict e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobStore.Unavailable("interrupted while queueing the job", e);
        } catch (Exception e) {
            if (created) {
                // not queued: no state may claim it is, and the key may be used again
                forget(jobs, id, idempotencyKey);
            }
            throw new JobStore.Unavailable("could not queue the job in JetStream: " + e.getMessage(), e);
        }
    }

    private static void forget(JobStore jobs, String id, Optional<String> idempotencyKey) {
        try {
            jobs.forget(id, idempotencyKey);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "job {0} could not be queued nor forgotten; its state says queued until its TTL: {1}",
                    id, e.toString());
        }
    }

    /** The first submitter of an idempotency key writes the state a moment after claiming it. */
    private static Optional<JobState> awaitState(JobStore jobs, String id) throws IOException, JetStreamApiException {
        for (int i = 0; i < 50; i++) {
            Optional<JobStore.Read> read = jobs.read(id);
            if (read.isPresent()) {
                return Optional.of(read.get().state());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return Optional.empty();
    }

    private void publish(JobStore jobs, Job job, Duration timeout)
            throws IOException, JetStreamApiException, java.security.NoSuchAlgorithmException {
        Connection nats = jobs.nats();
        String params = JobMessage.paramsJson(job.parameters());
        Optional<String> paramsRef = Optional.empty();
        if (params.length() > JobMessage.HEADER_JSON_LIMIT) {
            paramsRef = Optional.of("params." + job.id());
            jobs.putData(paramsRef.get(), params.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        Payload input = job.input();
        Optional<String> inputRef = Optional.empty();
        byte[] body = input.bytes();
        if (input.size() > nats.getMaxPayload() - JobMessage.HEADER_ROOM) {
            inputRef = Optional.of("in." + job.id());
            jobs.putData(inputRef.get(), input.bytes());
            body = new byte[0];
        }
        var headers = JobMessage.headers(job.id(), input, timeout, paramsRef.isPresent() ? Optional.empty() : Optional.of(params),
                paramsRef, inputRef);
        // the job id as message id: a publish retried within the stream's duplicate window is stored once
        jobs.jetStream().publish(jobs.runSubject(job.capability().name()), headers, body,
                PublishOptions.builder().messageId(job.id()).build());
    }

    /** A job's state; empty when no such job exists (or it expired). */
    public Optional<JobState> state(String id) throws JobStore.Unavailable {
        try {
            return store().read(id).map(JobStore.Read::state);
        } catch (IOException | JetStreamApiException e) {
            throw new JobStore.Unavailable("could not read the job's state from JetStream: " + e.getMessage(), e);
        }
    }

    /** A succeeded job's result bytes; empty when it has none (not succeeded, or expired). */
    public Optional<byte[]> result(String id) throws JobStore.Unavailable {
        try {
            return store().getData("out." + id);
        } catch (IOException | JetStreamApiException e) {
            throw new JobStore.Unavailable("could not read the job's result from JetStream: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobStore.Unavailable("interrupted", e);
        }
    }

    private Optional<byte[]> resultQuietly(String id) {
        try {
            return result(id);
        } catch (JobStore.Unavailable e) {
            return Optional.empty();
        }
    }

    /**
     * Cancels a job that has not ended: a queued one is never run, a running one is told to stop.
     * Returns the state afterwards (unchanged when it had ended), empty for an unknown job.
     */
    public Optional<JobState> cancel(String id, String who) throws JobStore.Unavailable {
        JobStore jobs = store();
        try {
            Optional<JobState> after = jobs.change(id, state -> state.ended() ? null
                    : state.cancelled(clock.instant(), "cancelled by " + who + " while " + state.status()));
            if (after.isPresent() && after.get().status().equals(JobState.CANCELLED)) {
                jobs.nats().publish(jobs.cancelSubject(id), new byte[0]);
                new NatsJobEvents(jobs.nats(), jobs.eventSubject(id)).publish(after.get(), "status");
            }
            return after;
        } catch (IOException | JetStreamApiException e) {
            throw new JobStore.Unavailable("could not change the job's state in JetStream: " + e.getMessage(), e);
        }
    }

    /** One page of a listing: the jobs, and the cursor of the next page if there may be more. */
    public record Page(List<JobState> jobs, String next) {
    }

    /**
     * Jobs in id order after {@code after}, those with {@code status} alone when given: at most
     * {@code limit}, reading at most 20 states per job asked for, so a page costs a bounded time.
     */
    public Page list(Optional<String> status, Optional<String> after, int limit) throws JobStore.Unavailable {
        JobStore jobs = store();
        try {
            List<String> ids = new ArrayList<>(jobs.ids());
            ids.sort(null);
            List<JobState> found = new ArrayList<>();
            int budget = Math.max(100, limit * 20);
            String last = null;
            for (String id : ids) {
                if (after.isPresent() && id.compareTo(after.get()) <= 0) {
                    continue;
                }
                if (found.size() >= limit || budget-- <= 0) {
                    return new Page(found, last);
                }
                last = id;
                Optional<JobStore.Read> read = jobs.read(id);
                if (read.isPresent() && (status.isEmpty() || read.get().state().status().equals(status.get()))) {
                    found.add(read.get().state());
                }
            }
            return new Page(found, null);
        } catch (IOException | JetStreamApiException e) {
            throw new JobStore.Unavailable("could not list jobs from JetStream: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobStore.Unavailable("interrupted", e);
        }
    }

    /** The subject a job's events travel on, for a follower. */
    String eventSubject(String id) throws JobStore.Unavailable {
        return store().eventSubject(id);
    }

    Connection nats() throws JobStore.Unavailable {
        return store().nats();
    }

    public JobsSettings settings() {
        return settings;
    }

    /** Redelivered jobs that had already succeeded, dropped here. */
    public synchronized long duplicates() {
        return workers == null ? 0 : workers.duplicates();
    }

    @Override
    public void close() {
        JobWorkers current;
        synchronized (this) {
            closed = true;
            current = workers;
        }
        if (current != null) {
            current.close();
        }
    }
}
