package dev.capfabric.kernel.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Closes a connection after an answer that says {@code Connection: close}, and makes every answer that
 * leaves part of its request body unread say it.
 *
 * <p>Helidon 4.5.0 writes {@code Connection: close} when the client asks for it but then goes on
 * reading the connection (helidon-io/helidon#12324), and after an answer that did not read the whole
 * body it drains the rest, however long. Either lets bytes the client sent as a body be taken for the
 * next request (request smuggling behind a proxy that reuses connections) or ties the connection up.
 * Guarantees: an answer given before its request body was read whole carries {@code Connection:
 * close}, and after any answer carrying it no further byte of that connection is read as a request.
 * Such a connection lingers briefly before it closes ({@link ClientConnection#linger}), so the client
 * reads the answer rather than a reset.
 *
 * <p>It also takes the last look at every routed answer's headers ({@link AnswerHeaders}).
 */
public final class CloseAfterAnswer implements Filter {

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        response.beforeSend(() -> {
            AnswerHeaders.dropUnsafe(response.headers());
            if (request.content().hasEntity() && !request.content().consumed()) {
                response.header(HeaderValues.CONNECTION_CLOSE);
                // the unread rest must not reset the connection before the client has read this answer
                ClientConnections.current().ifPresent(ClientConnection::lingerOnClose);
            }
        });
        chain.proceed();
        if (saysClose(response.headers()) || saysClose(request.headers())) {
            throw new CloseConnectionException("answered with Connection: close");
        }
    }

    /**
     * Whether headers say {@code Connection: close}. Most requests carry no {@code Connection} header, and
     * answers carry {@code keep-alive}: Helidon's token check splits and streams every value, and on each
     * request it cost about 5 % of a no-op job's CPU (docs/BENCHMARKS.md, Dispatch), so the values are
     * scanned here for the token instead.
     */
    static boolean saysClose(Headers headers) {
        if (!headers.contains(HeaderNames.CONNECTION)) {
            return false;
        }
        for (String value : headers.get(HeaderNames.CONNECTION).allValues()) {
            if (hasToken(value, "close")) {
                return true;
            }
        }
        return false;
    }

    /** Whether a comma-separated header value holds {@code token}, ignoring case and blanks around each item. */
    static boolean hasToken(String value, String token) {
        int start = 0;
        while (start <= value.length()) {
            int comma = value.indexOf(',', start);
            int end = comma < 0 ? value.length() : comma;
            int from = start;
            int to = end;
            while (from < to && Character.isWhitespace(value.charAt(from))) {
                from++;
            }
            while (to > from && Character.isWhitespace(value.charAt(to - 1))) {
                to--;
            }
            if (to - from == token.length() && value.regionMatches(true, from, token, 0, token.length())) {
                return true;
            }
            if (comma < 0) {
                return false;
            }
            start = comma + 1;
        }
        return false;
    }
}
