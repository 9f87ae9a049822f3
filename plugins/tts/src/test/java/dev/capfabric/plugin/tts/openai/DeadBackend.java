package dev.capfabric.plugin.tts.openai;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Backends that die: nothing listening, or a server that hangs up part-way through its answer. */
final class DeadBackend {

    private DeadBackend() {
    }

    /** A loopback URL where nothing listens: connecting is refused. */
    static String refusingUrl() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }
    }

    /**
     * A server that answers every request with a 200 and a {@code Content-Length} of 100000, sends
     * {@code sentBytes} of the body and closes the connection.
     */
    static final class HangsUpMidAnswer implements AutoCloseable {
        private final ServerSocket socket;
        private final Thread acceptor;

        HangsUpMidAnswer(int sentBytes, String contentType) throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try (Socket connection = socket.accept()) {
                        readRequestHead(connection.getInputStream());
                        OutputStream out = connection.getOutputStream();
                        out.write(("HTTP/1.1 200 OK\r\nContent-Type: " + contentType + "\r\nContent-Length: 100000\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        out.write(new byte[sentBytes]);
                        out.flush();
                    } catch (IOException e) {
                        // closed by the test, or the client gave up: either way the next accept decides
                    }
                }
            });
        }

        String baseUrl() {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }

        private static void readRequestHead(InputStream in) throws IOException {
            int matched = 0;
            byte[] end = {'\r', '\n', '\r', '\n'};
            int b;
            while (matched < 4 && (b = in.read()) >= 0) {
                matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            acceptor.interrupt();
        }
    }
}
