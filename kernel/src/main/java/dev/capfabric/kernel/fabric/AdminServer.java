package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.http.ApiError;
import dev.capfabric.kernel.http.Json;
import io.nats.client.Connection;
import io.nats.client.impl.Headers;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Answers {@code <prefix>.node.<id>.admin.<verb>} as the NATS service {@code capfabric-admin}
 * (instance metadata: the node id), one endpoint per verb:
 * <ul>
 *     <li>{@code drain}: take no new jobs from the fabric, finish the running ones; answers the node's state;</li>
 *     <li>{@code undrain}: take jobs from the fabric again; answers the node's state;</li>
 *     <li>{@code plugins}: every plugin with its providers, as {@code /caps} lists them;</li>
 *     <li>{@code install}: the body is a plugin jar, header {@value #FILE_HEADER} its file name; answers
 *     once the plugin host has loaded it;</li>
 *     <li>{@code remove}: the body is {@code {"name": "<plugin>"}}; answers once the plugin is unloaded.</li>
 * </ul>
 * Every answer is JSON, {@code {"ok": ...}} or {@code {"error": {"kind", "message"}}} (then also with
 * the {@code Nats-Service-Error} headers); no request, however malformed, stops the node. Requests
 * are served on virtual threads, so an install waiting for its plugin never holds up the others.
 * Who may publish here is for NATS authorization to decide: built only when
 * {@code fabric.admin.enabled} is true.
 *
 * <p>Every request that changes the node ({@code drain}, {@code undrain}, {@code install},
 * {@code remove}), over NATS or HTTP, is logged at INFO with who asked and how it ended;
 * {@code plugins} only reads, and logs at DEBUG. Over NATS, who asked is the header
 * {@value #REQUESTER} when the sender set it (the HTTP admin route of another node forwards its
 * caller's key name there), and always the reply subject, whose inbox prefix names the NATS user
 * where identities carry their own inbox prefix.
 */
final class AdminServer {

    private static final System.Logger LOG = System.getLogger(AdminServer.class.getName());

    /** The header that names the jar an {@code install} carries. */
    static final String FILE_HEADER = "Capfabric-Plugin-File";

    /** The header naming the object, in the payload bucket, that holds the jar an {@code install} carries by reference. */
    static final String OBJECT_HEADER = "Capfabric-Plugin-Object";

    /** The header giving the jar's SHA-256 (hex), checked before the jar is written. */
    static final String SHA256_HEADER = "Capfabric-Plugin-Sha256";

    /** The header naming the rollout whose subject ({@link Subjects#rollout}) hears this install's progress. */
    static final String ROLLOUT_HEADER = "Capfabric-Rollout";

    /** The largest jar an install fetches from the object store. */
    static final long MAX_STORED_JAR = Fabric.AdminAnswer.MAX_HTTP_JAR;

    /** The header a sender may set to say on whose behalf it asks. */
    static final String REQUESTER = "Capfabric-Requester";

    /** The verbs, each the last token of its subject. */
    enum Verb {
        DRAIN, UNDRAIN, PLUGINS, INSTALL, REMOVE;

        String token() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Optional<Verb> of(String token) {
            for (Verb verb : values()) {
                if (verb.token().equals(token)) {
                    return Optional.of(verb);
                }
            }
            return Optional.empty();
        }
    }

    private final String nodeId;
    private final Subjects subjects;
    private final String version;
    private final Supplier<AdminReply.NodeState> drain;
    private final Supplier<AdminReply.NodeState> undrain;
    private final PluginInstaller installer;
    private final LargePayloads payloads;
    private final java.time.Clock clock;
    private MicroService service; // guarded by this

    /**
     * Where an install's jar comes from and who hears its progress.
     *
     * @param object   the object holding the jar in the payload bucket; null when the jar is the request body
     * @param sha256   the jar's SHA-256 to check, hex; null to check nothing beyond the jar itself
     * @param rollout  the rollout the install belongs to; null when nobody listens for its progress
     * @param progress hears each step
     */
    record InstallOrder(String object, String sha256, String rollout, java.util.function.Consumer<RolloutProgress> progress) {
        static final InstallOrder INLINE = new InstallOrder(null, null, null, p -> { });
    }

    /**
     * @param drain   drains the node and says where it stands
     * @param undrain resumes it; throws {@link IllegalStateException} when it cannot (the node is leaving)
     */
    AdminServer(String nodeId, Subjects subjects, String version, Supplier<AdminReply.NodeState> drain,
                Supplier<AdminReply.NodeState> undrain, PluginInstaller installer, LargePayloads payloads, java.time.Clock clock) {
        this.nodeId = requireNonNull(nodeId, "nodeId is null");
        this.subjects = requireNonNull(subjects, "subjects is null");
        this.version = requireNonNull(version, "version is null");
        this.drain = requireNonNull(drain, "drain is null");
        this.undrain = requireNonNull(undrain, "undrain is null");
        this.installer = requireNonNull(installer, "installer is null");
        this.payloads = requireNonNull(payloads, "payloads is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** Registers the admin service on {@code nats}. */
    synchronized void start(Connection nats) {
        // a micro v1 service of our own, as capfabric's (see MicroService for why not jnats')
        service = new MicroService("capfabric-admin", version, "capfabric node " + nodeId + ": drain, undrain, plugins, install, remove",
                () -> Map.of("node_id", nodeId), java.time.Clock.systemUTC());
        service.start(nats);
        List<MicroService.Endpoint> endpoints = new java.util.ArrayList<>();
        for (Verb verb : Verb.values()) {
            endpoints.add(new MicroService.Endpoint(verb.token(), subjects.admin(nodeId, verb.token()), Map.of(),
                    message -> Thread.ofVirtual().name("capfabric-admin-" + verb.token()).start(() -> answer(nats, message, verb))));
        }
        service.endpoints(endpoints);
        LOG.log(System.Logger.Level.INFO, "node {0} answers admin requests (drain, undrain, plugins, install, remove) "
                + "as NATS service capfabric-admin, e.g. on {1}", nodeId, subjects.admin(nodeId, Verb.DRAIN.token()));
    }

    /** Leaves NATS: no more admin requests. */
    synchronized void stop() {
        if (service != null) {
            service.stop();
            service = null;
        }
    }

    private void answer(Connection nats, MicroService.Request message, Verb verb) {
        InstallOrder order = InstallOrder.INLINE;
        Optional<String> object = header(message, OBJECT_HEADER);
        Optional<String> rollout = header(message, ROLLOUT_HEADER).filter(id -> id.matches("[a-z0-9]{1,32}"));
        if (verb == Verb.INSTALL && (object.isPresent() || rollout.isPresent())) {
            order = new InstallOrder(object.orElse(null), header(message, SHA256_HEADER).orElse(null), rollout.orElse(null),
                    rollout.<java.util.function.Consumer<RolloutProgress>>map(id -> step -> publish(nats, id, step)).orElse(p -> { }));
        }
        long maxJar = object.isPresent() ? MAX_STORED_JAR : nats.getMaxPayload();
        Reply reply = serve(verb, header(message, FILE_HEADER).orElse(null), message.getData(), maxJar, requester(message), order);
        Headers headers = new Headers();
        reply.errorKind().ifPresent(kind -> headers.put(OffloadWire.SERVICE_ERROR, kind)
                .put(OffloadWire.SERVICE_ERROR_CODE, String.valueOf(reply.status())));
        try {
            message.respond(nats, Json.bytes(reply.body()), headers);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not answer admin " + verb.token() + " (the link may be down)", e);
        }
    }

    /**
     * One admin answer: its JSON body ({@code {"ok": ...}} or an {@link ApiError}), the HTTP-like status
     * and, for an error, its kind.
     */
    record Reply(Object body, int status, Optional<String> errorKind) {
    }

    /**
     * Serves one verb, whoever asks (a NATS request or an HTTP admin route): the same answer either way.
     *
     * @param fileName   the jar's file name, for {@code install}
     * @param data       the request body
     * @param maxJar     the largest jar {@code install} takes here (the NATS max payload for NATS requests)
     */
    Reply serve(Verb verb, String fileName, byte[] data, long maxJar) {
        return serve(verb, fileName, data, maxJar, "an unnamed requester");
    }

    /**
     * Serves one verb and logs who asked and how it ended.
     *
     * @param requester who asked, as the log line names them
     */
    Reply serve(Verb verb, String fileName, byte[] data, long maxJar, String requester) {
        return serve(verb, fileName, data, maxJar, requester, InstallOrder.INLINE);
    }

    /**
     * Serves one verb; an {@code install} takes its jar and reports its progress as {@code order} says.
     */
    Reply serve(Verb verb, String fileName, byte[] data, long maxJar, String requester, InstallOrder order) {
        Reply reply;
        String outcome;
        try {
            Object done = verb == Verb.INSTALL ? install(fileName, data, maxJar, order) : run(verb, fileName, data, maxJar);
            reply = new Reply(new AdminReply<>(done), 200, Optional.empty());
            outcome = "done" + summary(done);
        } catch (AdminException e) {
            reply = error(e.kind(), e.getMessage());
            outcome = "refused (" + e.kind() + "): " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply = error("unavailable", "node " + nodeId + " is stopping");
            outcome = "not done: the node is stopping";
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "admin " + verb.token() + " failed", e);
            reply = error("internal", "admin " + verb.token() + " failed on node " + nodeId + ": " + e);
            outcome = "failed: " + e;
        }
        LOG.log(verb == Verb.PLUGINS ? System.Logger.Level.DEBUG : System.Logger.Level.INFO, "admin {0} on node {1} asked by {2}{3}: {4}",
                verb.token(), nodeId, requester, target(verb, fileName, data), outcome);
        return reply;
    }

    private void publish(Connection nats, String rollout, RolloutProgress step) {
        try {
            nats.publish(subjects.rollout(rollout), Json.bytes(step));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not publish rollout progress: {0}", e.getMessage());
        }
    }

    /** Who asked over NATS: the requester the sender names, if any, and the reply subject it listens on. */
    static String requester(MicroService.Request message) {
        String named = header(message, REQUESTER).map(AdminServer::printable).orElse(null);
        String inbox = message.getReplyTo() == null ? "no reply subject" : "reply to " + printable(inboxPrefix(message.getReplyTo()));
        return named == null ? "an unnamed requester (" + inbox + ")" : "'" + named + "' (" + inbox + ")";
    }

    /** The inbox prefix of a reply subject: all but its last token, the part a NATS user's permissions fix. */
    private static String inboxPrefix(String replyTo) {
        int last = replyTo.lastIndexOf('.');
        return last > 0 ? replyTo.substring(0, last) + ".*" : replyTo;
    }

    static String printable(String text) {
        String cleaned = text.replaceAll("[^\\x20-\\x7e]", "?");
        return cleaned.length() > 120 ? cleaned.substring(0, 120) + "..." : cleaned;
    }

    private static String target(Verb verb, String fileName, byte[] data) {
        return switch (verb) {
            case INSTALL -> " (jar " + (fileName == null ? "unnamed" : printable(fileName)) + ", " + (data == null ? 0 : data.length) + " bytes)";
            case REMOVE -> " (" + (data == null ? 0 : data.length) + "-byte request)";
            default -> "";
        };
    }

    private static String summary(Object done) {
        return switch (done) {
            case AdminReply.NodeState state -> ", node is " + state.status().wireName() + " with " + state.offloadsRunning()
                    + " offloaded job(s) running";
            case AdminReply.Change change -> ", " + change.action() + " plugin " + (change.plugin() == null ? "?" : change.plugin().name());
            default -> "";
        };
    }

    /**
     * Installs a jar sent inline or stored in the payload bucket, telling {@code order} each step:
     * {@code receiving}/{@code received}, {@code verified}, then {@code loaded} or {@code failed}.
     */
    private AdminReply.Change install(String fileName, byte[] data, long maxJar, InstallOrder order)
            throws AdminException, InterruptedException {
        String rollout = order.rollout() == null ? "none" : order.rollout();
        long[] total = {data == null ? 0 : data.length};
        java.util.function.BiConsumer<String, String> step = (stage, message) -> order.progress().accept(
                new RolloutProgress(rollout, nodeId, stage, total[0], total[0], message, clock.instant().toString()));
        try {
            PluginInstaller.checkFileName(fileName);
            byte[] jar = data;
            if (order.object() != null) {
                jar = fetch(order.object(), total, rollout, order.progress());
            }
            step.accept("received", jar == null ? "0 bytes" : jar.length + " bytes");
            if (order.sha256() != null && jar != null && !order.sha256().equalsIgnoreCase(PluginInstaller.sha256(jar))) {
                throw new AdminException("bad_input", "the jar's SHA-256 is " + PluginInstaller.sha256(jar) + ", not " + order.sha256()
                        + " as announced: it was damaged on the way");
            }
            return installer.install(fileName, jar, maxJar, (stage, message) -> step.accept(stage, message));
        } catch (AdminException e) {
            step.accept("failed", e.kind() + ": " + e.getMessage());
            throw e;
        } catch (RuntimeException e) {
            step.accept("failed", "internal: " + e);
            throw e;
        }
    }

    private byte[] fetch(String object, long[] total, String rollout, java.util.function.Consumer<RolloutProgress> progress)
            throws AdminException {
        try {
            long size = payloads.size(object);
            if (size > MAX_STORED_JAR) {
                throw new AdminException("too_large", "the jar is " + size + " bytes; installs take at most " + MAX_STORED_JAR + " bytes");
            }
            total[0] = size;
            // one event per MiB or so: enough for a progress bar, few enough for NATS
            long[] reported = {0};
            return payloads.get(object, received -> {
                if (received - reported[0] >= (1 << 20) || (received == size && reported[0] < size)) {
                    reported[0] = received;
                    progress.accept(new RolloutProgress(rollout, nodeId, "receiving", received, size, null, clock.instant().toString()));
                }
            });
        } catch (LargePayloads.StoreException e) {
            throw new AdminException("unavailable", "cannot fetch the jar from the object store: " + e.getMessage());
        }
    }

    private Object run(Verb verb, String fileName, byte[] data, long maxJar) throws AdminException, InterruptedException {
        return switch (verb) {
            case DRAIN -> drain.get();
            case UNDRAIN -> {
                try {
                    yield undrain.get();
                } catch (IllegalStateException e) {
                    throw new AdminException("conflict", e.getMessage());
                }
            }
            case PLUGINS -> installer.list();
            case INSTALL -> installer.install(fileName, data, maxJar);
            case REMOVE -> installer.remove(pluginName(data));
        };
    }

    private static Optional<String> header(MicroService.Request message, String name) {
        Headers headers = message.getHeaders();
        return Optional.ofNullable(headers == null ? null : headers.getFirst(name)).map(String::strip);
    }

    private static String pluginName(byte[] body) throws AdminException {
        if (body == null || body.length == 0) {
            throw new AdminException("bad_input", "send {\"name\": \"<plugin>\"} as the body");
        }
        JsonNode request;
        try {
            request = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new AdminException("bad_input", "the body is not JSON: send {\"name\": \"<plugin>\"}");
        }
        JsonNode name = request == null ? null : request.get("name");
        if (name == null || !name.isTextual()) {
            throw new AdminException("bad_input", "the body names no plugin: send {\"name\": \"<plugin>\"}");
        }
        return name.asText();
    }

    private static Reply error(String kind, String message) {
        return new Reply(ApiError.of(kind, message), status(kind), Optional.of(kind));
    }

    /** The HTTP-like code NATS service tooling shows beside the error. */
    static int status(String kind) {
        return switch (kind) {
            case "bad_input" -> 400;
            case "not_found" -> 404;
            case "conflict", "busy" -> 409;
            case "too_large" -> 413;
            case "load_failed" -> 422;
            case "timeout" -> 504;
            case "unavailable" -> 503;
            default -> 500;
        };
    }
}
