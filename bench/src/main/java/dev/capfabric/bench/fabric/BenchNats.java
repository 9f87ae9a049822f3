package dev.capfabric.bench.fabric;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A nats-server (Debian package {@code nats-server}) on a free loopback port, for one benchmark. */
final class BenchNats implements AutoCloseable {

    private final Process process;
    private final int port;

    private BenchNats(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static BenchNats start(Path dir) throws IOException, InterruptedException {
        return start(dir, false);
    }

    /** A server with JetStream (its store in {@code dir}), for durable jobs. */
    static BenchNats startWithJetStream(Path dir) throws IOException, InterruptedException {
        return start(dir, true);
    }

    private static BenchNats start(Path dir, boolean jetStream) throws IOException, InterruptedException {
        Path binary = List.of(Path.of("/usr/sbin/nats-server"), Path.of("/usr/bin/nats-server")).stream()
                .filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new IllegalStateException("nats-server not found: install the Debian package nats-server"));
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Files.createDirectories(dir);
        List<String> command = new java.util.ArrayList<>(List.of(binary.toString(), "-a", "127.0.0.1", "-p", String.valueOf(port)));
        if (jetStream) {
            command.addAll(List.of("-js", "-sd", dir.resolve("js").toString()));
        }
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(dir.resolve("nats-server.log").toFile()).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return new BenchNats(process, port);
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("nats-server did not start");
    }

    String url() {
        return "nats://127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
