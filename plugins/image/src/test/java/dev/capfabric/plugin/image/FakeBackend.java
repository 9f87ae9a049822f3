package dev.capfabric.plugin.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A real HTTP server on a loopback port that answers as a configured backend would: each route
 * ({@code "POST /v1/images/generations"}) has a responder, every request is recorded, and unknown
 * routes get FastAPI's {@code 404 {"detail": "Not Found"}}.
 */
final class FakeBackend implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    /** Answers one exchange. */
    @FunctionalInterface
    interface Responder {
        void respond(HttpExchange exchange) throws IOException;
    }

    /** A request the backend received. */
    record Received(String method, String path, Headers headers, byte[] body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String header(String name) {
            return headers.getFirst(name);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Map<String, Responder> routes = new ConcurrentHashMap<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();

    private FakeBackend() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::dispatch);
        server.start();
    }

    static FakeBackend start() {
        try {
            return new FakeBackend();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Answers {@code method path} with {@code responder} from now on. */
    FakeBackend on(String method, String path, Responder responder) {
        routes.put(method + " " + path, responder);
        return this;
    }

    String url() {
        return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
    }

    List<Received> received(String method, String path) {
        return received.stream().filter(r -> r.method().equals(method) && r.path().equals(path)).toList();
    }

    /** The one request received on a route; fails when there was not exactly one. */
    Received only(String method, String path) {
        List<Received> matching = received(method, path);
        if (matching.size() != 1) {
            throw new AssertionError("expected one " + method + " " + path + ", got " + matching.size());
        }
        return matching.getFirst();
    }

    private void dispatch(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            received.add(new Received(method, path, exchange.getRequestHeaders(), body));
            Responder responder = routes.getOrDefault(method + " " + path, json(404, "{\"detail\":\"Not Found\"}"));
            responder.respond(exchange);
        }
    }

    static Responder json(int status, String body) {
        return bytes(status, "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    static Responder json(int status, JsonNode body) {
        return json(status, body.toString());
    }

    static Responder bytes(int status, String contentType, byte[] body) {
        return exchange -> {
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
        };
    }

    /** Never answers until the backend is closed: a backend stuck in generation. */
    Responder hang() {
        return exchange -> {
            try {
                closing.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    /** Sends the headers and part of the body, then stalls until the backend is closed: a backend stuck mid-answer. */
    Responder stallMidResponse() {
        Responder hang = hang();
        return exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, 10_000);
            exchange.getResponseBody().write("{\"data\": [".getBytes(StandardCharsets.UTF_8));
            exchange.getResponseBody().flush();
            hang.respond(exchange);
        };
    }

    /** Promises a body, sends part of it, and drops the connection: a backend that crashed mid-answer. */
    static Responder closeMidResponse() {
        return exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, 10_000);
            OutputStream out = exchange.getResponseBody();
            out.write("{\"data\": [{\"b64_json\": \"iVBORw0KGgo".getBytes(StandardCharsets.UTF_8));
            out.flush();
            // closing an exchange whose fixed-length body is short makes the server drop the connection
        };
    }

    /** A real PNG drawn with Java2D and encoded by ImageIO. */
    static byte[] png(int width, int height, Color color) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D graphics = image.createGraphics();
        graphics.setColor(color);
        graphics.fillRect(0, 0, width, height);
        graphics.setColor(Color.WHITE);
        graphics.drawLine(0, 0, width - 1, height - 1);
        graphics.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("no PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A loopback URL where nothing listens: connecting is refused. */
    static String deadUrl() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
