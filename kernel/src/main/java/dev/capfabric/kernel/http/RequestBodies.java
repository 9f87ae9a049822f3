package dev.capfabric.kernel.http;

import io.helidon.common.buffers.DataReader;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http.ServerRequest;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Reads request bodies into memory as their bytes arrive.
 *
 * <p>Memory follows the bytes received, never the {@code Content-Length} declared: the buffer starts
 * small and doubles up to what was declared (or the limit). On a connection that came through
 * {@link ClientConnections} the bytes are also charged to the server's body budget, and a body that
 * sends nothing for the idle timeout is refused. Every failure is a {@link Refused} with the status to
 * answer; the connection is closed after that answer, as the rest of the body was not read.
 */
public final class RequestBodies {

    private static final int FIRST_BUFFER = 64 * 1024;

    private final Duration idleTimeout;

    public RequestBodies(Duration idleTimeout) {
        this.idleTimeout = requireNonNull(idleTimeout, "idleTimeout is null");
    }

    /** A refused body: answer with {@code status} and close the connection. */
    public static final class Refused extends RuntimeException {
        private final int status;
        private final String kind;

        Refused(int status, String kind, String message) {
            super(message, null, false, false);
            this.status = status;
            this.kind = kind;
        }

        public int status() {
            return status;
        }

        public String kind() {
            return kind;
        }
    }

    /** A body read whole; closing it gives back what it held of the node's body budget. */
    public record Body(byte[] bytes, AutoCloseable hold) implements AutoCloseable {
        @Override
        public void close() {
            try {
                hold.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * Reads the whole body of {@code request}, at most {@code max} bytes.
     *
     * @param what names what the body is for, in messages ("echo")
     * @throws Refused with 413 above {@code max} (declared or sent), 400 when the body is malformed or
     *                 ends early, 408 when it stalls, 503 when the node's body budget is spent
     */
    public Body read(ServerRequest request, long max, String what) {
        return read(request, max, () -> what);
    }

    /**
     * As {@link #read(ServerRequest, long, String)}, with what the body is for made only when a message
     * names it: most bodies are taken, and the name cost a string per request.
     */
    public Body read(ServerRequest request, long max, Supplier<String> what) {
        long declared = declaredLength(request);
        if (declared > max) {
            throw new Refused(413, "too_large", "body of " + declared + " bytes is above the " + max + "-byte limit for " + what.get());
        }
        if (declared == 0 || !request.content().hasEntity()) {
            return new Body(new byte[0], () -> { });
        }
        long cap = declared >= 0 ? declared : max + 1;
        long[] size = {0};
        Optional<ClientConnection> client = ClientConnections.current();
        ClientConnection.BodyRead timed = client.map(c -> c.readBody(idleTimeout, max + FIRST_BUFFER, () -> size[0]))
                .orElse(null);
        AutoCloseable hold = timed == null ? () -> { } : timed;
        try {
            byte[] buffer = new byte[(int) Math.min(cap, FIRST_BUFFER)];
            InputStream in = request.content().inputStream();
            while (true) {
                if (size[0] == buffer.length) {
                    if (declared >= 0 && size[0] >= declared) {
                        // all declared bytes are here: one more read sees the end, so Helidon counts the body as read
                        if (in.read() < 0) {
                            break;
                        }
                        throw new Refused(400, "bad_input", "the body is longer than its Content-Length");
                    }
                    buffer = Arrays.copyOf(buffer, (int) Math.min(Math.min(cap, Integer.MAX_VALUE - 8), (long) buffer.length * 2));
                }
                int n = in.read(buffer, (int) size[0], buffer.length - (int) size[0]);
                if (n < 0) {
                    break;
                }
                size[0] += n;
                if (size[0] > max) {
                    throw new Refused(413, "too_large", "body is above the " + max + "-byte limit for " + what.get());
                }
            }
            if (declared >= 0 && size[0] < declared) {
                throw new Refused(400, "bad_input", "the body ended after " + size[0] + " of " + declared + " bytes");
            }
            if (timed != null) {
                timed.finishReading();
            }
            return new Body(size[0] == buffer.length ? buffer : Arrays.copyOf(buffer, (int) size[0]), hold);
        } catch (Refused e) {
            close(hold);
            throw e;
        } catch (RuntimeException | IOException e) {
            close(hold);
            throw refusal(e, size[0], declared);
        }
    }

    private static Refused refusal(Exception e, long read, long declared) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof Refused refused) {
                return refused; // from the connection: stalled, past the budget, framing that only buffers
            }
            if (cause instanceof DataReader.InsufficientDataAvailableException) {
                return new Refused(400, "bad_input", "the body ended after " + read
                        + (declared >= 0 ? " of " + declared : "") + " bytes");
            }
        }
        if (e instanceof ServerConnectionException gone) {
            throw gone; // the socket broke: nobody reads an answer
        }
        return new Refused(400, "bad_input", "malformed request body: " + e.getMessage());
    }

    private static void close(AutoCloseable hold) {
        try {
            hold.close();
        } catch (Exception ignored) {
            // only gives back budget
        }
    }

    /**
     * The Content-Length, or -1 for a body of unknown length (chunked). Read as text on purpose:
     * {@code Headers.contentLength()} converts through Helidon's global mapper registry, which costs
     * more than the rest of a small job's request handling. Helidon has refused malformed values
     * before the request gets here.
     */
    private static long declaredLength(ServerRequest request) {
        Optional<String> header = request.headers().first(HeaderNames.CONTENT_LENGTH);
        if (header.isEmpty()) {
            return -1;
        }
        try {
            return Long.parseLong(header.get().strip());
        } catch (NumberFormatException e) {
            throw new Refused(400, "bad_input", "Content-Length '" + header.get() + "' is not a number");
        }
    }
}
