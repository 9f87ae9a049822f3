package dev.capfabric.kernel.edge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A raw HTTP/1 exchange over one socket: the test decides every byte sent, and sees every byte that
 * comes back, split into responses by their {@code Content-Length} (or chunked framing).
 */
public final class RawHttp implements AutoCloseable {

    /** One response as read off the wire. */
    public record Response(int status, Map<String, String> headers, byte[] body, boolean complete) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** What one connection gave back: its responses and whether the server closed it. */
    public record Exchange(List<Response> responses, boolean closed, byte[] rest) {
        public Response only() {
            if (responses.size() != 1) {
                throw new AssertionError("want exactly one response, got " + responses.size() + ": " + this);
            }
            return responses.getFirst();
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder("closed=" + closed + " rest=" + rest.length + " bytes");
            for (Response r : responses) {
                String text = r.text();
                s.append("\n  ").append(r.status()).append(' ').append(r.headers()).append(' ')
                        .append(text.length() > 300 ? text.substring(0, 300) + "..." : text);
            }
            return s.toString();
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private boolean eof;

    public RawHttp(int port) throws IOException {
        this.socket = new Socket("127.0.0.1", port);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    public RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    public RawHttp halfClose() throws IOException {
        socket.shutdownOutput();
        return this;
    }

    /** Reads until the server closes or {@code quiet} passes without a byte; parses what came. */
    public Exchange read(Duration quiet) throws IOException {
        socket.setSoTimeout((int) quiet.toMillis());
        byte[] buffer = new byte[64 * 1024];
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                received.write(buffer, 0, n);
            }
            eof = true;
        } catch (SocketTimeoutException e) {
            // quiet long enough
        } catch (java.net.SocketException e) {
            eof = true; // reset by the server counts as closed
        }
        return parse(received.toByteArray(), eof);
    }

    /** Reads exactly one response (waiting at most {@code timeout}), leaving the connection open. */
    public Response readOne(Duration timeout) throws IOException {
        return readOne(timeout, false);
    }

    /**
     * Reads exactly one response; a {@code slow} reader takes 4 KiB at a time with pauses, so the
     * server's socket buffer fills and its writes complete partially.
     */
    public Response readOne(Duration timeout, boolean slow) throws IOException {
        long end = System.nanoTime() + timeout.toNanos();
        byte[] buffer = new byte[slow ? 4096 : 256 * 1024];
        int reads = 0;
        byte[] crlf2 = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] have = received.toByteArray();
        while (indexOf(have, crlf2, 0) < 0) {
            have = readMore(buffer, end, have);
        }
        int headEnd = indexOf(have, crlf2, 0);
        Exchange head = parse(Arrays.copyOf(have, headEnd + 4), false, 1);
        Response first = head.responses().getFirst();
        String length = first.header("content-length");
        if (length == null) {
            throw new AssertionError("no Content-Length: " + head);
        }
        byte[] body = new byte[Integer.parseInt(length)];
        int got = Math.min(body.length, have.length - headEnd - 4);
        System.arraycopy(have, headEnd + 4, body, 0, got);
        int restFrom = headEnd + 4 + got;
        received.reset();
        received.write(have, restFrom, have.length - restFrom);
        while (got < body.length) {
            long left = (end - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new AssertionError("answer short: " + got + " of " + body.length + " bytes within " + timeout);
            }
            socket.setSoTimeout((int) Math.max(1, left));
            try {
                int n = in.read(body, got, Math.min(buffer.length, body.length - got));
                if (n < 0) {
                    throw new AssertionError("closed after " + got + " of " + body.length + " bytes");
                }
                got += n;
                if (slow && ++reads % 64 == 0) {
                    Thread.sleep(1);
                }
            } catch (SocketTimeoutException e) {
                // loop checks the deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        return new Response(first.status(), first.headers(), body, true);
    }

    private byte[] readMore(byte[] buffer, long end, byte[] have) throws IOException {
        long left = (end - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            throw new AssertionError("no whole response head in time; have " + parse(have, false));
        }
        socket.setSoTimeout((int) Math.max(1, left));
        try {
            int n = in.read(buffer);
            if (n < 0) {
                throw new AssertionError("closed before a whole response; have " + parse(have, false));
            }
            byte[] more = Arrays.copyOf(have, have.length + n);
            System.arraycopy(buffer, 0, more, have.length, n);
            return more;
        } catch (SocketTimeoutException e) {
            return have;
        }
    }

    static Exchange parse(byte[] bytes, boolean closed) {
        return parse(bytes, closed, Integer.MAX_VALUE);
    }

    static Exchange parse(byte[] bytes, boolean closed, int most) {
        List<Response> responses = new ArrayList<>();
        int at = 0;
        while (at < bytes.length && responses.size() < most) {
            int headEnd = indexOf(bytes, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), at);
            if (headEnd < 0) {
                break;
            }
            String[] lines = new String(bytes, at, headEnd - at, StandardCharsets.ISO_8859_1).split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
            }
            int bodyStart = headEnd + 4;
            String length = headers.get("content-length");
            if (length != null) {
                long declared = Long.parseLong(length);
                long available = bytes.length - bodyStart;
                boolean complete = available >= declared;
                int take = (int) Math.min(declared, available);
                byte[] body = new byte[take];
                System.arraycopy(bytes, bodyStart, body, 0, take);
                responses.add(new Response(status, headers, body, complete));
                at = bodyStart + take;
                if (!complete) {
                    break;
                }
            } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                int p = bodyStart;
                boolean complete = false;
                while (true) {
                    int lineEnd = indexOf(bytes, "\r\n".getBytes(StandardCharsets.US_ASCII), p);
                    if (lineEnd < 0) {
                        break;
                    }
                    int size = Integer.parseInt(new String(bytes, p, lineEnd - p, StandardCharsets.US_ASCII).split(";")[0].strip(), 16);
                    if (size == 0) {
                        p = lineEnd + 4;
                        complete = p <= bytes.length;
                        break;
                    }
                    if (lineEnd + 2 + size + 2 > bytes.length) {
                        break;
                    }
                    body.write(bytes, lineEnd + 2, size);
                    p = lineEnd + 2 + size + 2;
                }
                responses.add(new Response(status, headers, body.toByteArray(), complete));
                at = Math.min(p, bytes.length);
                if (!complete) {
                    break;
                }
            } else {
                // no framing: the body runs to the end of the connection
                byte[] body = new byte[bytes.length - bodyStart];
                System.arraycopy(bytes, bodyStart, body, 0, body.length);
                responses.add(new Response(status, headers, body, closed));
                at = bytes.length;
            }
        }
        byte[] rest = new byte[bytes.length - at];
        System.arraycopy(bytes, at, rest, 0, rest.length);
        return new Exchange(responses, closed, rest);
    }

    private static int indexOf(byte[] bytes, byte[] what, int from) {
        outer:
        for (int i = from; i <= bytes.length - what.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (bytes[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Sends {@code request} on a new connection and reads what comes back within {@code quiet}. */
    public static Exchange exchange(int port, String request, Duration quiet) throws IOException {
        try (RawHttp http = new RawHttp(port)) {
            return http.send(request).read(quiet);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
