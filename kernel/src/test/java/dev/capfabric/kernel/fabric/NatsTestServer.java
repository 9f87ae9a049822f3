package dev.capfabric.kernel.fabric;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code nats-server} (Debian package {@code nats-server}) on a free loopback port, as jnats'
 * own tests use: started per test class, stopped and restarted on the same port when a test needs an
 * outage.
 */
final class NatsTestServer implements AutoCloseable {

    private static final Path BINARY = binary();

    private final Path dir;
    private final int port;
    private final Path log;
    private Process process;

    private NatsTestServer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
        this.log = dir.resolve("nats-server.log");
    }

    /** The Debian package installs it in /usr/sbin; a system property or the PATH may point elsewhere. */
    private static Path binary() {
        String named = System.getProperty("capfabric.test.nats-server");
        if (named != null) {
            return Path.of(named);
        }
        List<Path> candidates = new java.util.ArrayList<>(List.of(Path.of("/usr/sbin/nats-server"), Path.of("/usr/bin/nats-server")));
        for (String folder : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!folder.isBlank()) {
                candidates.add(Path.of(folder, "nats-server"));
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst().orElse(candidates.getFirst());
    }

    /**
     * Starts a server.
     *
     * @param jetStream  with JetStream (for the Object Store)
     * @param maxPayload the max payload in bytes, or 0 for the server's default (1 MiB)
     */
    static NatsTestServer start(boolean jetStream, int maxPayload) {
        return start(jetStream, maxPayload, "");
    }

    /** Starts a server with more configuration, such as an {@code authorization} block. */
    static NatsTestServer start(boolean jetStream, int maxPayload, String extraConfig) {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " not found: these tests need the Debian package nats-server");
        }
        try {
            Path dir = Files.createTempDirectory("capfabric-nats");
            NatsTestServer server = new NatsTestServer(dir, freePort());
            StringBuilder conf = new StringBuilder("listen: 127.0.0.1:" + server.port + "\n");
            if (maxPayload > 0) {
                conf.append("max_payload: ").append(maxPayload).append('\n');
            }
            if (jetStream) {
                conf.append("jetstream {\n  store_dir: \"").append(dir.resolve("js")).append("\"\n}\n");
            }
            conf.append(extraConfig);
            Files.writeString(dir.resolve("nats.conf"), conf);
            server.run();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a server with a complete configuration file written elsewhere (listening on {@code port} of 127.0.0.1). */
    static NatsTestServer withConfig(Path config, int port) {
        try {
            Path dir = Files.createTempDirectory("capfabric-nats");
            Files.copy(config, dir.resolve("nats.conf"));
            NatsTestServer server = new NatsTestServer(dir, port);
            server.run();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private void run() throws IOException {
        process = new ProcessBuilder(BINARY.toString(), "-c", dir.resolve("nats.conf").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IllegalStateException("nats-server exited: " + Files.readString(log));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                sleep(20);
            }
        }
        throw new IllegalStateException("nats-server did not listen on " + port + " within 10 s: " + Files.readString(log));
    }

    String url() {
        return "nats://127.0.0.1:" + port;
    }

    /** Stops the server, as an outage would. */
    void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Kills the server with SIGKILL: no goodbye to its clients, as a crash would. */
    void kill() {
        if (process == null) {
            return;
        }
        try {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Starts the server again on the same port. */
    void restart() {
        try {
            run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temp folder left behind is harmless
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
