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
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
        rules.post("/rollout", this::rollout)
                .get("/plugins", (request, response) -> serve(request, response, nodeId, "plugins"))
                .post("/{verb}", (request, response) -> serve(request, response, nodeId, request.path().pathParameters().get("verb")))
                .get("/nodes/{node}/plugins", (request, response) ->
                        serve(request, response, request.path().pathParameters().get("node"), "plugins"))
                .post("/nodes/{node}/{verb}", (request, response) -> serve(request, response,
                        request.path().pathParameters().get("node"), request.path().pathParameters().get("verb")));
    }

    /**
     * {@code POST /admin/rollout?file=<name.jar>&node=<id>&node=<id>} (or {@code &all=true}): the jar as the
     * body, installed on every node named. With {@code Accept: application/x-ndjson} the answer streams one
     * JSON object per line, {@code {"progress": RolloutProgress}} as nodes work, then the last line
     * {@code {"ok": Rollout}} or {@code {"error": ...}}; otherwise one JSON answer at the end.
     */
    private void rollout(ServerRequest request, ServerResponse response) {
        if (fabric.isEmpty()) {
            alone(response);
            return;
        }
        List<String> nodes = new ArrayList<>();
        if (request.query().contains("node")) {
            request.query().all("node").forEach(value -> Arrays.stream(value.split(",")).map(String::strip)
                    .filter(id -> !id.isEmpty()).forEach(nodes::add));
        }
        boolean all = request.query().first("all").asOptional().map("true"::equalsIgnoreCase).orElse(false);
        if (nodes.isEmpty() == !all) {
            ApiError.of("bad_input", "name the target nodes: ?node=<id> (repeated or comma-separated) or ?all=true, not both")
                    .send(response, 400);
            return;
        }
        Optional<byte[]> body = body(request, response);
        if (body.isEmpty()) {
            return;
        }
        boolean stream = request.headers().first(HeaderNames.ACCEPT).map(accept -> accept.contains(NDJSON)).orElse(false);
        String caller = ApiKeyFilter.caller(request).keyId();
        if (!stream) {
            send(response, fabric.get().rollout(file(request), body.get(), nodes, caller, event -> { }));
            return;
        }
        ProgressStream lines = new ProgressStream(response);
        // only this (the request's) thread writes the answer: events from NATS threads wait in a queue for it
        java.util.concurrent.LinkedBlockingQueue<byte[]> events = new java.util.concurrent.LinkedBlockingQueue<>();
        java.util.concurrent.CompletableFuture<Fabric.AdminAnswer> done = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().name("capfabric-rollout").start(() -> {
            try {
                done.complete(fabric.get().rollout(file(request), body.get(), nodes, caller,
                        event -> events.add(Json.bytes(Map.of("progress", event)))));
            } catch (RuntimeException | Error e) {
                done.completeExceptionally(e);
            }
        });
        try {
            while (!done.isDone() || !events.isEmpty()) {
                byte[] line = events.poll(50, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (line != null) {
                    lines.write(line);
                }
            }
            Fabric.AdminAnswer answer = done.join();
            if (!lines.started()) {
                send(response, answer);
                return;
            }
            lines.write(answer.json());
            lines.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            lines.close();
        }
    }

    private static final String NDJSON = "application/x-ndjson";

    /** A streamed answer, opened (status 200) at its first line: a refusal before any progress keeps its own status. */
    private static final class ProgressStream {
        private final ServerResponse response;
        private OutputStream out; // guarded by this
        private boolean broken; // guarded by this
        private boolean closed; // guarded by this

        ProgressStream(ServerResponse response) {
            this.response = response;
        }

        synchronized boolean started() {
            return out != null;
        }

        synchronized void write(byte[] line) {
            if (broken || closed) {
                return; // the caller went away (the rollout still finishes on the nodes), or a late event after the answer
            }
            try {
                if (out == null) {
                    response.status(Status.OK_200);
                    response.header(HeaderNames.CONTENT_TYPE, NDJSON);
                    out = response.outputStream();
                }
                out.write(line);
                out.write('\n');
                out.flush();
            } catch (IOException | RuntimeException e) {
                broken = true;
            }
        }

        synchronized void close() {
            closed = true;
            try {
                if (out != null) {
                    out.close();
                }
            } catch (IOException | RuntimeException e) {
                broken = true;
            }
        }
    }

    private void alone(ServerResponse response) {
        ApiError.of("unavailable", "node " + nodeId + " runs alone (no capfabric.nats.url): the admin verbs act on the fabric")
                .send(response, 503);
    }

    /** Reads the request body; empty after answering 413 when it is larger than any jar taken. */
    private static Optional<byte[]> body(ServerRequest request, ServerResponse response) {
        byte[] body;
        try (InputStream in = request.content().inputStream()) {
            body = in.readNBytes((int) Fabric.AdminAnswer.MAX_HTTP_JAR + 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (body.length > Fabric.AdminAnswer.MAX_HTTP_JAR) {
            ApiError.of("too_large", "the body exceeds " + Fabric.AdminAnswer.MAX_HTTP_JAR + " bytes").send(response, 413);
            return Optional.empty();
        }
        return Optional.of(body);
    }

    private static String file(ServerRequest request) {
        return request.headers().first(HeaderNames.create("Capfabric-Plugin-File"))
                .or(() -> request.query().first("file").asOptional())
                .orElse(null);
    }

    private static void send(ServerResponse response, Fabric.AdminAnswer answer) {
        response.status(Status.create(answer.status()));
        response.header(HeaderNames.CONTENT_TYPE, "application/json");
        response.send(answer.json());
    }

    private void serve(ServerRequest request, ServerResponse response, String node, String verb) {
        if (fabric.isEmpty()) {
            alone(response);
            return;
        }
        Optional<byte[]> read = body(request, response);
        if (read.isEmpty()) {
            return;
        }
        byte[] body = read.get();
        String file = file(request);
        send(response, fabric.get().admin(node, verb, file, body, ApiKeyFilter.caller(request).keyId()));
    }
}
