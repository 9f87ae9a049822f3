package dev.capfabric.bench.dispatch;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/** A server under test, in a JVM of its own, stopped on close. */
final class ServerProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final int port;

    private ServerProcess(String name, Process process, int port) {
        this.name = name;
        this.process = process;
        this.port = port;
    }

    /** Starts {@code command} with {@code environment} added, logging to {@code log}. */
    static ServerProcess start(String name, List<String> command, Map<String, String> environment, int port, Path log)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        return new ServerProcess(requireNonNull(name, "name is null"), builder.start(), port);
    }

    String name() {
        return name;
    }

    int port() {
        return port;
    }

    /** CPU time the server's JVM has used so far, all threads, nanoseconds; -1 when the OS does not say. */
    long cpuNanos() {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with status " + process.exitValue());
        }
        return process.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    /** Waits until {@code POST path} with {@code body} answers 200; returns that answer. */
    HttpResponse<byte[]> awaitAnswer(String path, byte[] body, Duration timeout) throws InterruptedException {
        return awaitAnswer(HttpClient.newHttpClient(), "http", path, body, timeout);
    }

    /** Waits until {@code POST path} with {@code body} answers 200 to {@code client} over {@code scheme}, with {@code headers}. */
    HttpResponse<byte[]> awaitAnswer(HttpClient client, String scheme, String path, byte[] body, Duration timeout, String... headers)
            throws InterruptedException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            builder.headers(headers);
        }
        HttpRequest request = builder.build();
        long end = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with status " + process.exitValue());
            }
            try {
                HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                if (response.statusCode() == 200) {
                    return response;
                }
                last = response.statusCode() + " " + new String(response.body());
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(name + " did not answer within " + timeout + ": " + last);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
