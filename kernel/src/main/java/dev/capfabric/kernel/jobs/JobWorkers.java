package dev.capfabric.kernel.jobs;

import dev.capfabric.kernel.dispatch.CancellationFlag;
import dev.capfabric.kernel.dispatch.Dispatcher;
import dev.capfabric.kernel.dispatch.LocalRoute;
import dev.capfabric.kernel.dispatch.Outcome;
import dev.capfabric.kernel.http.ApiError;
import dev.capfabric.kernel.http.Json;
import dev.capfabric.kernel.plugins.PluginHost;
import dev.capfabric.kernel.plugins.ProviderSlot;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.Result;
import io.nats.client.ConsumerContext;
import io.nats.client.FetchConsumeOptions;
import io.nats.client.FetchConsumer;
import io.nats.client.Message;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static java.util.Objects.requireNonNull;

/**
 * This node's side of the work queue: for each capability it serves, one puller shares the
 * capability's durable consumer with every other node that serves it (competing consumers), asking for
 * no more jobs than its providers have free slots, so the pull is the load balancing. A pulled job runs
 * on this node's dispatcher; while it runs its claim is renewed (a progress ack every third of the ack
 * wait); when it ends the message is acked and the state written. A job whose node died is redelivered
 * by JetStream after the ack wait; after {@code max-attempts} runs it is {@code failed} with every
 * attempt's reason. Redelivered jobs that already ended are acked and dropped (counted as duplicates).
 */
final class JobWorkers implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(JobWorkers.class.getName());

    private final String nodeId;
    private final JobStore store;
    private final Dispatcher dispatcher;
    private final PluginHost plugins;
    private final Clock clock;
    private final Callbacks callbacks;
    private final Map<Capability, Thread> pullers = new ConcurrentHashMap<>();
    private final Map<Capability, int[]> running = new ConcurrentHashMap<>();
    private final Map<String, CancellationFlag> flags = new ConcurrentHashMap<>();
    private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("capfabric-jobs-progress-ack").daemon().factory());
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private volatile boolean closed;
    private io.nats.client.Dispatcher cancels;

    JobWorkers(String nodeId, JobStore store, Dispatcher dispatcher, PluginHost plugins, Clock clock, Callbacks callbacks) {
        this.nodeId = requireNonNull(nodeId, "nodeId is null");
        this.store = requireNonNull(store, "store is null");
        this.dispatcher = requireNonNull(dispatcher, "dispatcher is null");
        this.plugins = requireNonNull(plugins, "plugins is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.callbacks = requireNonNull(callbacks, "callbacks is null");
    }

    /** Starts pulling for every capability served now, and listens for cancels. */
    void start() {
        cancels = store.nats().createDispatcher(message -> {
            String subject = message.getSubject();
            CancellationFlag flag = flags.get(subject.substring(subject.lastIndexOf('.') + 1));
            if (flag != null) {
                flag.cancel();
            }
        });
        cancels.subscribe(store.cancelSubjects());
        refresh();
    }

    /** Starts a puller for each capability this node now serves (a puller whose capability went stops itself). */
    void refresh() {
        if (closed) {
            return;
        }
        for (Capability capability : plugins.inventory().capabilities()) {
            pullers.computeIfAbsent(capability, c -> Thread.ofVirtual().name("capfabric-jobs-pull-" + c.name())
                    .start(() -> pull(c)));
        }
    }

    /** Jobs that ran to completion here after another run of theirs had already succeeded (a redelivery raced it). */
    long duplicates() {
        return duplicates.get();
    }

    private int capacity(Capability capability) {
        int slots = 0;
        for (ProviderSlot slot : plugins.inventory().usable(capability)) {
            slots += slot.concurrency();
        }
        return slots;
    }

    /** Free slots: the providers' concurrency less what runs or waits in the lane, and the jobs pulled here. */
    private int free(Capability capability) {
        int[] mine = running.computeIfAbsent(capability, c -> new int[1]);
        int busy = dispatcher.inflight().getOrDefault(capability.name(), 0) + dispatcher.queueDepth().getOrDefault(capability.name(), 0);
        synchronized (mine) {
            return capacity(capability) - Math.max(busy, mine[0]);
        }
    }

    private void pull(Capability capability) {
        ConsumerContext consumer = null;
        int[] mine = running.computeIfAbsent(capability, c -> new int[1]);
        while (!closed) {
            try {
                if (!plugins.inventory().capabilities().contains(capability)) {
                    pullers.remove(capability);
                    return;
                }
                if (consumer == null) {
                    consumer = consumer(capability);
                }
                int free = free(capability);
                if (free <= 0) {
                    synchronized (mine) {
                        mine.wait(50);
                    }
                    continue;
                }
                FetchConsumer fetch = consumer.fetch(FetchConsumeOptions.builder().maxMessages(free).expiresIn(1000).build());
                for (Message message = fetch.nextMessage(); message != null && !closed; message = fetch.nextMessage()) {
                    synchronized (mine) {
                        mine[0]++;
                    }
                    Message taken = message;
                    Thread.ofVirtual().name("capfabric-job").start(() -> {
                        try {
                            run(capability, taken);
                        } finally {
                            synchronized (mine) {
                                mine[0]--;
                                mine.notifyAll();
                            }
                        }
                    });
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                // the link is down, a server of the cluster went away, or the stream is being recreated
                if (!closed) {
                    LOG.log(System.Logger.Level.DEBUG, "pulling {0} jobs failed: {1}", capability.name(), e.toString());
                    consumer = null;
                    try {
                        Thread.sleep(250);
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                }
            }
        }
    }

    private ConsumerContext consumer(Capability capability) throws Exception {
        JobsSettings settings = store.settings();
        String durable = "capfabric-jobs-" + capability.name();
        var stream = store.stream();
        try {
            return stream.getConsumerContext(durable);
        } catch (io.nats.client.JetStreamApiException missing) {
            return stream.createOrUpdateConsumer(ConsumerConfiguration.builder()
                    .durable(durable)
                    .filterSubject(store.runSubject(capability.name()))
                    .ackPolicy(AckPolicy.Explicit)
                    .ackWait(settings.ackWait())
                    // unbounded: the attempts are counted in the job's state (runs that started), and a
                    // delivery that finds them used up writes the job off as failed
                    .maxDeliver(-1)
                    .maxAckPending(10_000)
                    .build());
        }
    }

    private void run(Capability capability, Message message) {
        JobMessage.Read read;
        try {
            read = JobMessage.read(message);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "dropping a message on {0} that is not a job: {1}", message.getSubject(), e.getMessage());
            message.term();
            return;
        }
        String id = read.id();
        int maxAttempts = store.settings().maxAttempts();
        // the claim is renewed from now until the message is acked or given back: reading and writing the
        // state may take seconds while the cluster elects a leader, and must not cost the job its claim
        long every = Math.max(50, store.settings().ackWait().toMillis() / 3);
        ScheduledFuture<?> claim = ticks.scheduleAtFixedRate(message::inProgress, every, every, TimeUnit.MILLISECONDS);
        try {
            Optional<JobState> before = store.read(id).map(JobStore.Read::state);
            if (before.isEmpty() && message.metaData().deliveredCount() < 10) {
                // written a moment ago and not visible yet (a replica that answers reads may lag the one that took
                // the write), or expired: look again shortly, a bounded number of times
                message.nakWithDelay(Duration.ofMillis(200));
                return;
            }
            if (before.isEmpty() || before.get().ended()) {
                if (before.isPresent() && before.get().status().equals(JobState.SUCCEEDED)) {
                    LOG.log(System.Logger.Level.INFO, "durable job {0} delivered again after it succeeded (its ack was lost); dropped", id);
                }
                message.ack();
                return;
            }
            // runs that started, not deliveries: a delivery to a pull request whose node was moving to another
            // server, or a nak after a moment's unavailability, is not an attempt
            if (before.get().attempts().size() >= maxAttempts) {
                Optional<JobState> failed = store.change(id, state -> state.ended() ? null : state.failed(clock.instant(),
                        new ApiError.Body("attempts_exhausted", "the job ran " + state.attempts().size()
                                + " times without finishing; see attempts for each run's end", Map.of())));
                message.term();
                failed.ifPresent(this::ended);
                return;
            }
            Optional<JobState> started = store.change(id, state -> state.ended() ? null : state.running(nodeId, clock.instant()));
            if (started.isEmpty() || started.get().ended()) {
                message.ack();
                return;
            }
            NatsJobEvents events = new NatsJobEvents(store.nats(), store.eventSubject(id));
            events.publish(started.get(), "status");
            Map<String, String> parameters = read.parameters();
            if (read.paramsRef().isPresent()) {
                parameters = JobMessage.parameters(store.getData(read.paramsRef().get())
                        .orElseThrow(() -> new java.io.IOException("the job's parameters expired")));
            }
            byte[] input = read.inputRef().isPresent()
                    ? store.getData(read.inputRef().get()).orElseThrow(() -> new java.io.IOException("the job's input expired"))
                    : read.input();
            CancellationFlag flag = new CancellationFlag();
            flag.follow(events);
            flags.put(id, flag);
            Outcome outcome;
            try {
                // a cancel that came between the state write and the flag's registration
                if (store.read(id).map(r -> r.state().status().equals(JobState.CANCELLED)).orElse(true)) {
                    flag.cancel();
                }
                Job job = new Job(id, capability, parameters, new Payload(read.mediaType(), input),
                        Instant.now().plus(read.timeout()), flag);
                outcome = LocalRoute.runHere(dispatcher, job, nodeId);
            } finally {
                flags.remove(id);
            }
            finish(id, message, outcome, flag.isCancelled(), started.get().attempts().size(), maxAttempts, events, read);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "durable job {0} could not be run here: {1}", id, e.toString());
            // the state could not be read or written (link or cluster trouble): let JetStream deliver it again
            try {
                message.nakWithDelay(Duration.ofMillis(500));
            } catch (RuntimeException ignored) {
                // the claim expires by itself
            }
        } finally {
            claim.cancel(false);
        }
    }

    private void finish(String id, Message message, Outcome outcome, boolean cancelled, int ran, int maxAttempts,
                        NatsJobEvents events, JobMessage.Read read) throws Exception {
        Instant now = clock.instant();
        Optional<JobState> after;
        switch (outcome) {
            case Outcome.Served served -> {
                Result result = served.result();
                Payload output = result.output().orElseGet(() -> new Payload(Payload.JSON, Json.bytes(result.metadata())));
                Optional<JobState> current = store.read(id).map(JobStore.Read::state);
                if (current.isPresent() && current.get().ended()) {
                    if (current.get().status().equals(JobState.SUCCEEDED)) {
                        duplicates.incrementAndGet();
                        LOG.log(System.Logger.Level.INFO, "durable job {0} ran to completion again on {1}: another run had succeeded meanwhile",
                                id, nodeId);
                    }
                    message.ack();
                    return;
                }
                store.putData("out." + id, output.bytes());
                after = store.change(id, state -> state.ended() ? null
                        : state.succeeded(now, output.mediaType(), output.size(), result.metadata()));
            }
            case Outcome.Failed failed -> {
                boolean permanent = failed.status() < 500 && failed.status() != 429 && failed.status() != 408;
                ApiError.Body why = new ApiError.Body(failed.kind(), failed.message(), failed.details());
                if (cancelled) {
                    after = store.change(id, state -> state.ended() ? null : state.cancelled(now, "cancelled while running on " + nodeId));
                } else if (permanent || ran >= maxAttempts) {
                    after = store.change(id, state -> state.ended() ? null : state.failed(now, why));
                } else {
                    store.change(id, state -> state.ended() ? null : state.retrying(now, failed.kind(), failed.message()));
                    message.nakWithDelay(Duration.ofMillis(200L * ran));
                    return;
                }
            }
        }
        message.ack();
        completed.incrementAndGet();
        read.inputRef().ifPresent(store::deleteData);
        read.paramsRef().ifPresent(store::deleteData);
        after.ifPresent(state -> {
            events.publish(state, "status");
            ended(state);
        });
    }

    private void ended(JobState state) {
        callbacks.deliver(state);
    }

    @Override
    public void close() {
        closed = true;
        pullers.values().forEach(Thread::interrupt);
        ticks.shutdownNow();
        if (cancels != null) {
            try {
                store.nats().closeDispatcher(cancels);
            } catch (RuntimeException ignored) {
                // the connection is closing too
            }
        }
    }
}
