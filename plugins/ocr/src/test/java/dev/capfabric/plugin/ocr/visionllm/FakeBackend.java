package dev.capfabric.plugin.ocr.visionllm;

import com.fasterxml.jackson.jr.ob.JSON;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP server on loopback standing in for a vision backend that cannot run here. Subclasses
 * speak one backend's documented API; tests steer it: the transcript to give, a forced error
 * answer, or stalling until the test ends.
 */
abstract class FakeBackend implements AutoCloseable {

    /** One request as received. */
    record Received(String method, String path, Optional<String> authorization, Map<String, Object> json) {
    }

    /** An error answer to give instead of the normal one. */
    record Failure(int status, String body) {
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);
    volatile String transcript = "";
    volatile List<String> models = List.of();
    volatile Failure failure;
    volatile boolean stall;

    FakeBackend() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::serve);
        server.start();
    }

    /** The base URL, as an operator would configure it. */
    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    /** Whether a request for {@code path} has arrived. */
    boolean hasReceived(String path) {
        return received.stream().anyMatch(request -> request.path().equals(path));
    }

    /** Answers a request that is neither failed nor stalled, or returns false for an unknown route. */
    abstract boolean answer(HttpExchange exchange, Received request) throws IOException;

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Map<String, Object> json = body.length == 0 ? Map.of() : JSON.std.mapFrom(body);
            Received request = new Received(exchange.getRequestMethod().toUpperCase(Locale.ROOT),
                    exchange.getRequestURI().getPath(),
                    Optional.ofNullable(exchange.getRequestHeaders().getFirst("Authorization")), json);
            received.add(request);
            if (stall) {
                released.await(60, TimeUnit.SECONDS);
                return;
            }
            Failure forced = failure;
            if (forced != null) {
                send(exchange, forced.status(), forced.body());
                return;
            }
            if (!answer(exchange, request)) {
                send(exchange, 404, "404 page not found");
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    static void sendJson(HttpExchange exchange, int status, Object json) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        send(exchange, status, JSON.std.asString(json));
    }

    static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
    }
}
