import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Trains the installation's AOT cache ({@code lib/capfabric.aot}) at build time: starts the node
 * through {@code bin/capfabric} exactly as an operator would (same launcher, same JVM options, the
 * shipped plugins), serves a few requests, stops it with SIGTERM, and lets the JVM write the cache
 * (JDK 25, {@code -XX:AOTCacheOutput}). Then proves the cache is accepted by the launcher's options
 * with {@code -XX:AOTMode=on}, which refuses to start on a mismatch.
 *
 * <p>Run by the distribution's Maven build: {@code java AotTraining.java <installation folder>}.
 */
public final class AotTraining {

    private static final String CACHE = "lib/capfabric.aot";
    private static final Duration START_LIMIT = Duration.ofSeconds(300);
    private static final Duration STOP_LIMIT = Duration.ofSeconds(180);

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: java AotTraining.java <installation folder>");
        }
        Path installation = Path.of(args[0]).toAbsolutePath();
        Path cache = installation.resolve(CACHE);
        Files.deleteIfExists(cache);
        Path work = Files.createTempDirectory("capfabric-aot-training");
        Path log = installation.resolveSibling("aot-training.log");
        Files.deleteIfExists(log);
        try {
            train(installation, work, log);
            if (!Files.isRegularFile(cache) || Files.size(cache) == 0) {
                fail("the JVM wrote no AOT cache at " + cache, log);
            }
            verify(installation, log);
            System.out.printf("AOT cache %s: %d MB, accepted by bin/capfabric%n", cache, Files.size(cache) >> 20);
        } finally {
            deleteTree(work);
        }
    }

    private static void train(Path installation, Path work, Path log) throws Exception {
        int port = freePort();
        Process node = launcher(installation, log, Map.of(
                "CAPFABRIC_PORT", String.valueOf(port),
                "CAPFABRIC_HOST", "127.0.0.1",
                "CAPFABRIC_NODE_ID", "aot-training",
                "CAPFABRIC_WORK_DIR", work.toString(),
                "JAVA_OPTS", "-XX:AOTCacheOutput=" + CACHE)).start();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            URI base = URI.create("http://127.0.0.1:" + port);
            awaitCaps(http, base, node, log);
            // the node answers before its plugins are loaded: train on the loaded node, plugins included
            awaitPlugins(http, base, node, log, pluginCount(installation));
            // the requests an operator and the fabric make in the first seconds of a node's life
            for (int i = 0; i < 20; i++) {
                get(http, base.resolve("/caps"));
            }
            for (String path : List.of("/capabilities/installed", "/health", "/health/live", "/health/ready",
                    "/metrics", "/v1/capabilities", "/v1/nodes", "/no-such-path")) {
                get(http, base.resolve(path));
            }
            send(http, HttpRequest.newBuilder(base.resolve("/v1/capability/no-such-capability"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"training\"}")).build());
        } finally {
            node.destroy(); // SIGTERM: the node stops, then the JVM assembles the cache before exiting
        }
        if (!node.waitFor(STOP_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            node.destroyForcibly();
            fail("the node did not stop within " + STOP_LIMIT.toSeconds() + " s of SIGTERM", log);
        }
        int status = node.exitValue();
        if (status != 0 && status != 143) {
            fail("the node exited with status " + status + " after SIGTERM", log);
        }
    }

    private static void verify(Path installation, Path log) throws Exception {
        Process check = launcher(installation, log, Map.of("JAVA_OPTS", "-XX:AOTMode=on -Xlog:aot=warning"))
                .command(installation.resolve("bin/capfabric").toString(), "--version")
                .start();
        if (!check.waitFor(60, TimeUnit.SECONDS) || check.exitValue() != 0) {
            check.destroyForcibly();
            fail("bin/capfabric refuses the trained AOT cache (-XX:AOTMode=on)", log);
        }
    }

    /** bin/capfabric in a clean environment: no CAPFABRIC_* or JVM options of the build machine leak in. */
    private static ProcessBuilder launcher(Path installation, Path log, Map<String, String> settings) {
        ProcessBuilder builder = new ProcessBuilder(installation.resolve("bin/capfabric").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(name -> name.startsWith("CAPFABRIC_")
                || name.equals("JAVA_OPTS") || name.equals("JAVA_TOOL_OPTIONS") || name.equals("JDK_JAVA_OPTIONS"));
        environment.putAll(settings);
        return builder;
    }

    private static void awaitCaps(HttpClient http, URI base, Process node, Path log) throws Exception {
        Instant limit = Instant.now().plus(START_LIMIT);
        while (Instant.now().isBefore(limit)) {
            if (!node.isAlive()) {
                fail("the node exited with status " + node.exitValue() + " before answering /caps", log);
            }
            try {
                if (get(http, base.resolve("/caps")) == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        fail("the node did not answer /caps within " + START_LIMIT.toSeconds() + " s", log);
    }

    private static void awaitPlugins(HttpClient http, URI base, Process node, Path log, long expected) throws Exception {
        Instant limit = Instant.now().plus(START_LIMIT);
        while (Instant.now().isBefore(limit)) {
            if (!node.isAlive()) {
                fail("the node exited with status " + node.exitValue() + " while loading plugins", log);
            }
            HttpResponse<String> caps = http.send(HttpRequest.newBuilder(base.resolve("/caps")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (caps.statusCode() == 200 && pluginsListed(caps.body()) >= expected) {
                return;
            }
            Thread.sleep(100);
        }
        fail("the node did not list its " + expected + " plugins on /caps within " + START_LIMIT.toSeconds() + " s", log);
    }

    /** Plugin entries on /caps: each has a "modules" list, which no other entry has. */
    private static long pluginsListed(String caps) {
        return caps.split("\"modules\":", -1).length - 1;
    }

    private static long pluginCount(Path installation) throws IOException {
        try (Stream<Path> entries = Files.list(installation.resolve("plugins"))) {
            return entries.filter(p -> !p.getFileName().toString().startsWith(".")).count();
        }
    }

    private static int get(HttpClient http, URI uri) throws IOException, InterruptedException {
        return send(http, HttpRequest.newBuilder(uri).GET().build());
    }

    private static int send(HttpClient http, HttpRequest request) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(request, (n, v) -> true).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void fail(String message, Path log) throws IOException {
        String tail = Files.exists(log) ? String.join("\n", lastLines(Files.readAllLines(log), 40)) : "(no log)";
        throw new IllegalStateException("AOT training failed: " + message + "\n--- " + log + " (last lines) ---\n" + tail);
    }

    private static List<String> lastLines(List<String> lines, int count) {
        return lines.subList(Math.max(0, lines.size() - count), lines.size());
    }

    private static void deleteTree(Path root) throws IOException {
        if (Files.exists(root)) {
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }
}
