package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.http.Json;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.NUID;
import io.nats.client.impl.Headers;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * One NATS micro-service (protocol v1: {@code $SRV.PING}, {@code $SRV.INFO}, {@code $SRV.STATS}, each
 * also under {@code .<name>} and {@code .<name>.<id>}) whose replies validate against the v1 JSON
 * schemas, and whose endpoints can change while it runs.
 *
 * <p>Written here rather than taken from jnats' {@code io.nats.service}, which (2.26) omits zero counters
 * and an empty {@code last_error} (both required by the stats schema), times only the handler call
 * (an offloaded job answers later, from whichever thread finishes it), counts an error only when the
 * handler throws (never an error reply) and cannot change its endpoints, so each change of
 * capabilities meant a new service: new id, counters back to zero.
 *
 * <p>Guarantees: one id for the service's life; counters per endpoint name kept across endpoint
 * changes (an endpoint that goes and comes back resumes its counts); {@code processing_time} runs
 * from a request's arrival to its reply; a reply carrying {@code Nats-Service-Error} counts as an
 * error and becomes {@code last_error}; metadata is read at each request (so it can say "draining")
 * and every value is a string.
 */
final class MicroService {

    private static final System.Logger LOG = System.getLogger(MicroService.class.getName());

    /** The queue group every micro endpoint joins unless told otherwise (ADR-32). */
    static final String QUEUE_GROUP = "q";

    /** One endpoint: requests on {@code subject} go to {@code handler}, which must answer each exactly once. */
    record Endpoint(String name, String subject, Map<String, String> metadata, Consumer<Request> handler) {
        Endpoint {
            requireNonNull(name, "name is null");
            requireNonNull(subject, "subject is null");
            metadata = Map.copyOf(metadata);
            requireNonNull(handler, "handler is null");
        }
    }

    /** {@code $SRV.PING} reply. */
    record Ping(String type, String name, String id, String version, Map<String, String> metadata) {
    }

    /** {@code $SRV.INFO} reply. */
    record Info(String type, String name, String id, String version, String description, Map<String, String> metadata,
                List<EndpointInfo> endpoints) {
    }

    record EndpointInfo(String name, String subject, String queueGroup, Map<String, String> metadata) {
    }

    /** {@code $SRV.STATS} reply. */
    record Stats(String type, String name, String id, String version, Map<String, String> metadata, String started,
                 List<EndpointStats> endpoints) {
    }

    record EndpointStats(String name, String subject, String queueGroup, long numRequests, long numErrors, String lastError,
                         long processingTime, long averageProcessingTime) {
    }

    /** One endpoint's counters, kept by name for the service's life. */
    private static final class Counters {
        final AtomicLong requests = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong nanos = new AtomicLong();
        volatile String lastError = "";
    }

    /** A request to an endpoint; {@link #respond} answers it (once; later calls are ignored). */
    final class Request {
        private final Message message;
        private final Counters counters;
        private final long arrived = System.nanoTime();
        private final AtomicBoolean answered = new AtomicBoolean();

        private Request(Message message, Counters counters) {
            this.message = message;
            this.counters = counters;
        }

        Headers getHeaders() {
            return message.getHeaders();
        }

        byte[] getData() {
            return message.getData();
        }

        String getSubject() {
            return message.getSubject();
        }

        String getReplyTo() {
            return message.getReplyTo();
        }

        /** Answers; an answer with {@code Nats-Service-Error} counts as the endpoint's error. */
        void respond(Connection nats, byte[] body, Headers headers) {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            try {
                if (message.getReplyTo() != null) {
                    nats.publish(message.getReplyTo(), headers, body);
                }
            } finally {
                counters.nanos.addAndGet(System.nanoTime() - arrived);
                String error = headers == null ? null : headers.getFirst(OffloadWire.SERVICE_ERROR);
                if (error != null) {
                    counters.errors.incrementAndGet();
                    String code = headers.getFirst(OffloadWire.SERVICE_ERROR_CODE);
                    counters.lastError = (code == null ? "" : code + ":") + error;
                }
            }
        }
    }

    private final String name;
    private final String id = new NUID().next();
    private final String version;
    private final String description;
    private final Supplier<Map<String, String>> metadata;
    private final Instant started;
    private final Map<String, Counters> counters = new ConcurrentHashMap<>();
    private final Map<String, Registered> endpoints = new LinkedHashMap<>(); // guarded by this
    private Connection nats; // guarded by this
    private Dispatcher dispatcher; // guarded by this

    private record Registered(Endpoint endpoint, io.nats.client.Subscription subscription) {
    }

    MicroService(String name, String version, String description, Supplier<Map<String, String>> metadata, Clock clock) {
        this.name = requireNonNull(name, "name is null");
        this.version = requireNonNull(version, "version is null");
        this.description = requireNonNull(description, "description is null");
        this.metadata = requireNonNull(metadata, "metadata is null");
        this.started = clock.instant();
    }

    String id() {
        return id;
    }

    /** Starts answering {@code $SRV} requests on {@code connection}. */
    synchronized void start(Connection connection) {
        this.nats = requireNonNull(connection, "connection is null");
        this.dispatcher = connection.createDispatcher();
        for (String verb : List.of("PING", "INFO", "STATS")) {
            for (String subject : List.of("$SRV." + verb, "$SRV." + verb + "." + name, "$SRV." + verb + "." + name + "." + id)) {
                dispatcher.subscribe(subject, message -> discovery(verb, message));
            }
        }
    }

    private void discovery(String verb, Message message) {
        if (message.getReplyTo() == null) {
            return;
        }
        Object reply = switch (verb) {
            case "PING" -> new Ping("io.nats.micro.v1.ping_response", name, id, version, metadata());
            case "INFO" -> info();
            default -> stats();
        };
        try {
            nats().publish(message.getReplyTo(), Json.bytes(reply));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not answer $SRV.{0}: {1}", verb, e.getMessage());
        }
    }

    private synchronized Connection nats() {
        return nats;
    }

    private Map<String, String> metadata() {
        Map<String, String> values = new LinkedHashMap<>();
        metadata.get().forEach((key, value) -> values.put(key, value == null ? "" : value));
        return values;
    }

    Info info() {
        List<EndpointInfo> list = new ArrayList<>();
        for (Endpoint endpoint : current()) {
            list.add(new EndpointInfo(endpoint.name(), endpoint.subject(), QUEUE_GROUP, endpoint.metadata()));
        }
        return new Info("io.nats.micro.v1.info_response", name, id, version, description, metadata(), list);
    }

    Stats stats() {
        List<EndpointStats> list = new ArrayList<>();
        for (Endpoint endpoint : current()) {
            Counters c = counters.computeIfAbsent(endpoint.name(), k -> new Counters());
            long requests = c.requests.get();
            long nanos = c.nanos.get();
            list.add(new EndpointStats(endpoint.name(), endpoint.subject(), QUEUE_GROUP, requests, c.errors.get(), c.lastError, nanos,
                    requests == 0 ? 0 : nanos / requests));
        }
        return new Stats("io.nats.micro.v1.stats_response", name, id, version, metadata(), started.toString(), list);
    }

    private synchronized List<Endpoint> current() {
        return endpoints.values().stream().map(Registered::endpoint).toList();
    }

    /**
     * Makes {@code wanted} the service's endpoints: new ones subscribe before gone ones unsubscribe, so
     * a subject that stays never goes unanswered; an endpoint whose subject is unchanged keeps its
     * subscription (its handler and metadata are replaced).
     */
    synchronized void endpoints(List<Endpoint> wanted) {
        if (dispatcher == null) {
            throw new IllegalStateException("the service has not started");
        }
        Map<String, Registered> next = new LinkedHashMap<>();
        for (Endpoint endpoint : wanted) {
            Registered old = endpoints.get(endpoint.name());
            if (old != null && old.endpoint().subject().equals(endpoint.subject())) {
                next.put(endpoint.name(), new Registered(endpoint, old.subscription()));
            } else {
                next.put(endpoint.name(), new Registered(endpoint, subscribe(endpoint)));
            }
        }
        endpoints.forEach((endpointName, old) -> {
            Registered kept = next.get(endpointName);
            if (kept == null || kept.subscription() != old.subscription()) {
                dispatcher.unsubscribe(old.subscription());
            }
        });
        endpoints.clear();
        endpoints.putAll(next);
    }

    private io.nats.client.Subscription subscribe(Endpoint endpoint) {
        Counters c = counters.computeIfAbsent(endpoint.name(), k -> new Counters());
        String endpointName = endpoint.name();
        return dispatcher.subscribe(endpoint.subject(), QUEUE_GROUP, message -> {
            c.requests.incrementAndGet();
            Request request = new Request(message, c);
            Endpoint now = handlerOf(endpointName);
            try {
                (now == null ? endpoint : now).handler().accept(request);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "endpoint " + endpointName + " failed", e);
                request.respond(nats(), new byte[0], new Headers().put(OffloadWire.SERVICE_ERROR, e.toString())
                        .put(OffloadWire.SERVICE_ERROR_CODE, "500"));
            }
        });
    }

    private synchronized Endpoint handlerOf(String endpointName) {
        Registered registered = endpoints.get(endpointName);
        return registered == null ? null : registered.endpoint();
    }

    /** Stops answering, endpoints and {@code $SRV} alike; requests already taken still answer. */
    synchronized void stop() {
        if (dispatcher != null) {
            nats.closeDispatcher(dispatcher);
            dispatcher = null;
            endpoints.clear();
        }
    }
}
