package dev.capfabric.bench.dispatch;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import static java.util.Objects.requireNonNull;

/**
 * A closed-loop HTTP/1.1 load: {@code connections} keep-alive sockets, each sending one request,
 * reading the whole answer and sending the next. Raw sockets keep the client's own cost small and
 * equal for every server measured; on a 2-core machine client and server share the CPU.
 *
 * <p>Only answers to requests started inside the measuring window count; anything but 200 counts as
 * an error (a kernel would answer 429 when its queue is full).
 */
final class HttpLoad {

    /**
     * What one load run saw.
     *
     * @param answered  200 answers to requests started in the window
     * @param errors    other answers, or broken connections, in the window
     * @param why       the errors by status (-1: the connection broke or timed out), so a failed run says what failed
     * @param seconds   the window's length
     * @param latencies each counted answer's round trip, nanoseconds, sorted
     * @param serverCpu CPU time the server process used in the window, nanoseconds
     */
    record Result(long answered, long errors, java.util.SortedMap<Integer, Long> why, double seconds, long[] latencies, long serverCpu) {

        double perSecond() {
            return answered / seconds;
        }

        /** Server CPU time per answered job, microseconds; NaN when it could not be read. */
        double serverCpuMicrosPerJob() {
            return serverCpu < 0 ? Double.NaN : serverCpu / 1_000.0 / Math.max(1, answered);
        }

        /** The latency at {@code quantile} (0..1), microseconds. */
        double micros(double quantile) {
            if (latencies.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.min(latencies.length - 1, Math.ceil(quantile * latencies.length) - 1);
            return latencies[Math.max(0, index)] / 1_000.0;
        }
    }

    private final InetSocketAddress server;
    private final byte[] request;
    private final javax.net.SocketFactory sockets;

    HttpLoad(InetSocketAddress server, byte[] request) {
        this(server, request, javax.net.SocketFactory.getDefault());
    }

    /** A load whose connections come from {@code sockets} (an {@code SSLSocketFactory} for HTTPS). */
    HttpLoad(InetSocketAddress server, byte[] request, javax.net.SocketFactory sockets) {
        this.server = requireNonNull(server, "server is null");
        this.request = request.clone();
        this.sockets = requireNonNull(sockets, "sockets is null");
    }

    /** A POST with a body and a Content-Length, as the same bytes every time. */
    static byte[] post(String path, String contentType, byte[] body) {
        return post(path, contentType, body, "");
    }

    /** A POST with a body, a Content-Length and {@code extraHeaders} (each line ending in CRLF). */
    static byte[] post(String path, String contentType, byte[] body, String extraHeaders) {
        String head = "POST " + path + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\n"
                + extraHeaders
                + "Content-Type: " + contentType + "\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + "\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = Arrays.copyOf(headBytes, headBytes.length + body.length);
        System.arraycopy(body, 0, all, headBytes.length, body.length);
        return all;
    }

    /**
     * Runs {@code connections} clients for {@code warmup} (not counted), then {@code window} (counted),
     * reading the server's CPU time ({@code serverCpu}, nanoseconds) as the window opens and closes.
     */
    Result run(int connections, Duration warmup, Duration window, LongSupplier serverCpu) throws InterruptedException {
        long start = System.nanoTime();
        long windowStart = start + warmup.toNanos();
        long windowEnd = windowStart + window.toNanos();
        AtomicLong answered = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        java.util.SortedMap<Integer, Long> why = new java.util.TreeMap<>();
        List<long[]> perClient = new ArrayList<>();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Recorder recorder = new Recorder();
            Thread client = Thread.ofPlatform().name("load-" + i).start(() -> {
                loop(windowStart, windowEnd, recorder);
                answered.addAndGet(recorder.answered);
                errors.addAndGet(recorder.errors);
                synchronized (perClient) {
                    perClient.add(Arrays.copyOf(recorder.latencies, recorder.count));
                    recorder.why.forEach((status, count) -> why.merge(status, count, Long::sum));
                }
            });
            clients.add(client);
        }
        Thread.sleep(Duration.ofNanos(Math.max(0, windowStart - System.nanoTime())));
        long cpuAtStart = serverCpu.getAsLong();
        Thread.sleep(Duration.ofNanos(Math.max(0, windowEnd - System.nanoTime())));
        long cpuAtEnd = serverCpu.getAsLong();
        for (Thread client : clients) {
            client.join();
        }
        long[] all = perClient.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        long cpu = cpuAtStart < 0 || cpuAtEnd < 0 ? -1 : cpuAtEnd - cpuAtStart;
        return new Result(answered.get(), errors.get(), why, window.toNanos() / 1e9, all, cpu);
    }

    private static final class Recorder {
        long[] latencies = new long[1 << 16];
        int count;
        long answered;
        long errors;
        final java.util.Map<Integer, Long> why = new java.util.HashMap<>();

        void answered(long nanos) {
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = nanos;
            answered++;
        }
    }

    private void loop(long windowStart, long windowEnd, Recorder recorder) {
        Connection connection = null;
        try {
            while (true) {
                long sent = System.nanoTime();
                if (sent >= windowEnd) {
                    return;
                }
                int status;
                try {
                    if (connection == null) {
                        connection = new Connection(server, sockets);
                    }
                    status = connection.exchange(request);
                } catch (IOException | RuntimeException e) {
                    close(connection);
                    connection = null;
                    status = -1;
                }
                if (sent >= windowStart) {
                    if (status == 200) {
                        recorder.answered(System.nanoTime() - sent);
                    } else {
                        recorder.errors++;
                        recorder.why.merge(status, 1L, Long::sum);
                    }
                }
            }
        } finally {
            close(connection);
        }
    }

    private static void close(Connection connection) {
        if (connection != null) {
            try {
                connection.socket.close();
            } catch (IOException ignored) {
                // closing a broken socket: nothing to do
            }
        }
    }

    /** One keep-alive connection. */
    private static final class Connection {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;

        Connection(InetSocketAddress server, javax.net.SocketFactory sockets) throws IOException {
            socket = sockets.createSocket();
            socket.setTcpNoDelay(true);
            socket.connect(server, 5_000);
            socket.setSoTimeout(30_000);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        }

        /** Sends the request, reads the whole answer, returns its status. */
        int exchange(byte[] request) throws IOException {
            out.write(request);
            out.flush();
            String statusLine = line();
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long length = -1;
            for (String header = line(); !header.isEmpty(); header = line()) {
                if (header.regionMatches(true, 0, "content-length:", 0, 15)) {
                    length = Long.parseLong(header.substring(15).strip());
                }
            }
            if (length < 0) {
                throw new IOException("answer without Content-Length: " + statusLine);
            }
            in.skipNBytes(length);
            return status;
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder(64);
            int b;
            while ((b = in.read()) != '\n') {
                if (b == -1) {
                    throw new IOException("connection closed mid-answer");
                }
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            return line.toString();
        }
    }
}
