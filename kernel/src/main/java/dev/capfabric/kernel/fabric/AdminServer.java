package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.http.ApiError;
import dev.capfabric.kernel.http.Json;
import io.nats.client.Connection;
import io.nats.client.impl.Headers;
import io.nats.service.Service;
import io.nats.service.ServiceEndpoint;
import io.nats.service.ServiceMessage;

import java.io.IOException;
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
 */
final class AdminServer {

    private static final System.Logger LOG = System.getLogger(AdminServer.class.getName());

    /** The header that names the jar an {@code install} carries. */
    static final String FILE_HEADER = "Capfabric-Plugin-File";

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
    private Service service; // guarded by this

    /**
     * @param drain   drains the node and says where it stands
     * @param undrain resumes it; throws {@link IllegalStateException} when it cannot (the node is leaving)
     */
    AdminServer(String nodeId, Subjects subjects, String version, Supplier<AdminReply.NodeState> drain,
                Supplier<AdminReply.NodeState> undrain, PluginInstaller installer) {
        this.nodeId = requireNonNull(nodeId, "nodeId is null");
        this.subjects = requireNonNull(subjects, "subjects is null");
        this.version = requireNonNull(version, "version is null");
        this.drain = requireNonNull(drain, "drain is null");
        this.undrain = requireNonNull(undrain, "undrain is null");
        this.installer = requireNonNull(installer, "installer is null");
    }

    /** Registers the admin service on {@code nats}. */
    synchronized void start(Connection nats) {
        var builder = Service.builder()
                .connection(nats)
                .name("capfabric-admin")
                .version(version)
                .description("capfabric node " + nodeId + ": drain, undrain, plugins, install, remove")
                .metadata(Map.of("node_id", nodeId));
        for (Verb verb : Verb.values()) {
            builder.addServiceEndpoint(ServiceEndpoint.builder()
                    .endpointName(verb.token())
                    .endpointSubject(subjects.admin(nodeId, verb.token()))
                    .handler(message -> Thread.ofVirtual().name("capfabric-admin-" + verb.token())
                            .start(() -> answer(nats, message, verb)))
                    .build());
        }
        service = builder.build();
        service.startService();
        LOG.log(System.Logger.Level.INFO, "node {0} answers admin requests (drain, undrain, plugins, install, remove) "
                + "as NATS service capfabric-admin, e.g. on {1}", nodeId, subjects.admin(nodeId, Verb.DRAIN.token()));
    }

    /** Leaves NATS: no more admin requests. */
    synchronized void stop() {
        if (service != null) {
            service.stop(false);
            service = null;
        }
    }

    private void answer(Connection nats, ServiceMessage message, Verb verb) {
        Reply reply = serve(verb, header(message, FILE_HEADER).orElse(null), message.getData(), nats.getMaxPayload());
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
        try {
            return new Reply(new AdminReply<>(run(verb, fileName, data, maxJar)), 200, Optional.empty());
        } catch (AdminException e) {
            return error(e.kind(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error("unavailable", "node " + nodeId + " is stopping");
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "admin " + verb.token() + " failed", e);
            return error("internal", "admin " + verb.token() + " failed on node " + nodeId + ": " + e);
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

    private static Optional<String> header(ServiceMessage message, String name) {
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
