package dev.capfabric.plugin.ocr;

import com.fasterxml.jackson.jr.ob.JSON;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A fleet of real capfabric nodes for the OCR plugin: a {@code nats-server} (Debian package) on a free
 * loopback port and kernel processes ({@code capfabric.kernel/dev.capfabric.kernel.Main} on the module
 * path the kernel's build wrote to {@code kernel/target/node-module-path.txt}), each with this build's
 * plugin folder (the plugin jar and its private dependencies) as {@code plugins/ocr}. A node can be
 * killed (SIGKILL) as an operator or the OOM killer would. Used by the fleet tests and the bench.
 */
public final class FleetProcesses implements AutoCloseable {

    private final Path dir;
    private final Process nats;
    private final int natsPort;
    private final List<Node> nodes = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private FleetProcesses(Path dir, Process nats, int natsPort) {
        this.dir = dir;
        this.nats = nats;
        this.natsPort = natsPort;
    }

    /** A kernel process. */
    public record Node(String id, int port, Path home, Process process) {

        public URI uri(String path) {
            return URI.create("http://127.0.0.1:" + port + path);
        }
    }

    /** Starts a nats-server in {@code dir}. */
    public static FleetProcesses start(Path dir) throws IOException, InterruptedException {
        Path binary = Stream.of(Path.of("/usr/sbin/nats-server"), Path.of("/usr/bin/nats-server"))
                .filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new IllegalStateException("nats-server not found: install the Debian package nats-server"));
        Files.createDirectories(dir);
        int port = freePort();
        Process nats = new ProcessBuilder(binary.toString(), "-a", "127.0.0.1", "-p", String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(dir.resolve("nats-server.log").toFile()).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return new FleetProcesses(dir, nats, port);
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        nats.destroyForcibly();
        throw new IllegalStateException("nats-server did not start on port " + port);
    }

    /**
     * Starts node {@code id} with the OCR plugin and {@code env} (provider settings, say), without waiting
     * for it: see {@link #awaitFleet}.
     */
    public Node startNode(String id, Map<String, String> env) throws IOException {
        Path home = dir.resolve(id);
        Path plugin = home.resolve("plugins/ocr");
        Files.createDirectories(plugin);
        for (Path jar : pluginJars()) {
            Path link = plugin.resolve(jar.getFileName());
            if (!Files.exists(link)) {
                Files.createSymbolicLink(link, jar.toAbsolutePath());
            }
        }
        int port = freePort();
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = List.of(java, "-XX:+UseSerialGC", "-Xmx512m", "-Djava.awt.headless=true",
                "--sun-misc-unsafe-memory-access=allow",
                "--enable-native-access=ALL-UNNAMED,capfabric.kernel,com.sun.jna",
                "--add-modules", "ALL-SYSTEM",
                "--module-path", nodeModulePath(),
                "-m", "capfabric.kernel/dev.capfabric.kernel.Main");
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("node.log").toFile()));
        builder.environment().put("CAPFABRIC_NODE_ID", id);
        builder.environment().put("CAPFABRIC_HOME", home.toString());
        builder.environment().put("CAPFABRIC_HOST", "127.0.0.1");
        builder.environment().put("CAPFABRIC_PORT", String.valueOf(port));
        builder.environment().put("CAPFABRIC_NATS_URL", "nats://127.0.0.1:" + natsPort);
        builder.environment().put("CAPFABRIC_FABRIC_HEARTBEAT__INTERVAL__MS", "500");
        builder.environment().put("CAPFABRIC_PROVIDERS_VISION_LLM_ENABLED", "false");
        builder.environment().putAll(env);
        Node node = new Node(id, port, home, builder.start());
        nodes.add(node);
        return node;
    }

    /** Waits until {@code from} knows every other started node as serving {@code ocr}, and serves it itself. */
    public void awaitFleet(Node from, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        List<String> others = nodes.stream().filter(n -> n.process().isAlive() && !n.id().equals(from.id())).map(Node::id).toList();
        while (true) {
            try {
                if (ocrNodes(from).containsAll(others) && ocrNodes(from).contains(from.id())) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("the fleet did not form within " + timeout.toSeconds() + " s; " + from.id() + "'s log:\n"
                        + log(from));
            }
            Thread.sleep(100);
        }
    }

    /** The nodes {@code from}'s global view lists for {@code ocr}. */
    private List<String> ocrNodes(Node from) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(from.uri("/v1/capabilities")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            return List.of();
        }
        Object capabilities = JSON.std.mapFrom(response.body()).get("capabilities");
        if (capabilities instanceof Map<?, ?> map && map.get("ocr") instanceof List<?> list) {
            return list.stream().map(String::valueOf).toList();
        }
        return List.of();
    }

    /** Posts a document to {@code node}'s {@code /v1/capability/ocr}. */
    public HttpResponse<String> read(Node node, byte[] document, String mediaType, Duration timeout) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(node.uri("/v1/capability/ocr"))
                .timeout(timeout.plusSeconds(10))
                .header("Content-Type", mediaType)
                .header("X-Request-Timeout", String.valueOf(timeout.toMillis()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(document))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** GETs {@code path} of {@code node} as JSON. */
    public Map<String, Object> getJson(Node node, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(node.uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
        return JSON.std.mapFrom(response.body());
    }

    /** Kills the node's process at once (SIGKILL): no drain, no goodbye. */
    public void kill(Node node) throws InterruptedException {
        node.process().destroyForcibly();
        node.process().waitFor(10, TimeUnit.SECONDS);
    }

    public String log(Node node) {
        try {
            Path log = node.home().resolve("node.log");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        for (Node node : nodes) {
            if (node.process().isAlive()) {
                node.process().destroy(); // SIGTERM: drains and exits
            }
        }
        for (Node node : nodes) {
            try {
                if (!node.process().waitFor(15, TimeUnit.SECONDS)) {
                    node.process().destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                node.process().destroyForcibly();
            }
        }
        nats.destroy();
        try {
            if (!nats.waitFor(5, TimeUnit.SECONDS)) {
                nats.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            nats.destroyForcibly();
        }
        http.close();
    }

    /** This build's plugin folder: the plugin jar and its private dependencies (system properties set by the build). */
    private static List<Path> pluginJars() throws IOException {
        Path jar = Path.of(required("ocr.plugin.jar"));
        List<Path> jars = new ArrayList<>(List.of(jar));
        try (Stream<Path> deps = Files.list(Path.of(required("ocr.plugin.deps")))) {
            deps.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(jars::add);
        }
        return jars;
    }

    /** The kernel's jar and its runtime dependencies, as the kernel's build wrote them. */
    private static String nodeModulePath() throws IOException {
        Path target = Path.of(required("kernel.target"));
        Path listing = target.resolve("node-module-path.txt");
        if (!Files.exists(listing)) {
            throw new IllegalStateException(listing + " is missing: build the kernel first (./mvnw -pl kernel -am package -DskipTests)");
        }
        try (Stream<Path> files = Files.list(target)) {
            Path kernel = files.filter(p -> p.getFileName().toString().matches("capfabric-kernel-.*\\.jar")
                            && !p.getFileName().toString().contains("-tests")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no kernel jar in " + target));
            return kernel + File.pathSeparator + Files.readString(listing).strip();
        }
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + property + " is not set (the build sets it for *IT tests)");
        }
        return value;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
