package dev.capfabric.kernel.http;

import dev.capfabric.kernel.fabric.Fabric;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The NATS admin verbs over HTTP, for this node and, through NATS, for any node of the fabric:
 * <ul>
 *     <li>{@code POST /admin/drain}, {@code POST /admin/undrain}, {@code GET /admin/plugins},
 *     {@code POST /admin/install} (the jar as the body, its name in {@code Capfabric-Plugin-File} or
 *     {@code ?file=}), {@code POST /admin/remove} ({@code {"name": "<plugin>"}}): this node;</li>
 *     <li>the same under {@code /admin/nodes/<id>/}: node {@code <id>}, asked on its admin subject over
 *     this node's admin identity when it has one ({@code capfabric.nats.admin-credentials}; 403 when
 *     the NATS server refuses the identity used).</li>
 * </ul>
 * Answers are those of the NATS subjects ({@code {"ok": ...}} or {@code {"error": ...}}) with the
 * matching status. Guarded by the {@code admin} scope ({@link ApiKeyFilter}); a node running alone
 * (no NATS) answers 503.
 */
public final class AdminService implements HttpService {

    private final String nodeId;
    private final Optional<Fabric> fabric;

    public AdminService(String nodeId, Optional<Fabric> fabric) {
        this.nodeId = requireNonNull(nodeId, "nodeId is null");
        this.fabric = requireNonNull(fabric, "fabric is null");
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/plugins", (request, response) -> serve(request, response, nodeId, "plugins"))
                .post("/{verb}", (request, response) -> serve(request, response, nodeId, request.path().pathParameters().get("verb")))
                .get("/nodes/{node}/plugins", (request, response) ->
                        serve(request, response, request.path().pathParameters().get("node"), "plugins"))
                .post("/nodes/{node}/{verb}", (request, response) -> serve(request, response,
                        request.path().pathParameters().get("node"), request.path().pathParameters().get("verb")));
    }

    private void serve(ServerRequest request, ServerResponse response, String node, String verb) {
        if (fabric.isEmpty()) {
            ApiError.of("unavailable", "node " + nodeId + " runs alone (no capfabric.nats.url): the admin verbs act on the fabric")
                    .send(response, 503);
            return;
        }
        byte[] body;
        try (InputStream in = request.content().inputStream()) {
            body = in.readNBytes((int) Fabric.AdminAnswer.MAX_HTTP_JAR + 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (body.length > Fabric.AdminAnswer.MAX_HTTP_JAR) {
            ApiError.of("too_large", "the body exceeds " + Fabric.AdminAnswer.MAX_HTTP_JAR + " bytes").send(response, 413);
            return;
        }
        String file = request.headers().first(HeaderNames.create("Capfabric-Plugin-File"))
                .or(() -> request.query().first("file").asOptional())
                .orElse(null);
        Fabric.AdminAnswer answer = fabric.get().admin(node, verb, file, body, ApiKeyFilter.caller(request).keyId());
        response.status(Status.create(answer.status()));
        response.header(HeaderNames.CONTENT_TYPE, "application/json");
        response.send(answer.json());
    }
}
