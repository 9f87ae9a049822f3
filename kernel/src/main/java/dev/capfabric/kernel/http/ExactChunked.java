package dev.capfabric.kernel.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import java.util.List;
import java.util.Map;

/**
 * Refuses a request whose {@code Transfer-Encoding} is anything but exactly {@code chunked}, with 501
 * and a close.
 *
 * <p>Helidon already refuses codings it cannot decode and {@code Content-Length} beside
 * {@code Transfer-Encoding}; it accepts {@code Chunked} in any case. A proxy in front that reads the
 * framing otherwise would disagree with the node on where the body ends, so the node takes only the
 * one spelling every implementation agrees on. The body is left unread, so the answer closes the
 * connection ({@link CloseAfterAnswer}).
 */
public final class ExactChunked implements Filter {

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        if (request.headers().contains(HeaderNames.TRANSFER_ENCODING)) {
            List<String> values = request.headers().all(HeaderNames.TRANSFER_ENCODING, List::of);
            if (values.size() != 1 || !values.getFirst().equals("chunked")) {
                response.header(HeaderValues.CONNECTION_CLOSE);
                ApiError.of("not_implemented", "Transfer-Encoding " + values + " is not supported; use exactly 'chunked'", Map.of())
                        .send(response, 501);
                return;
            }
        }
        chain.proceed();
    }
}
