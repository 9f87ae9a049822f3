package dev.capfabric.kernel.http;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;

import java.util.Map;

/**
 * JSON bodies for the errors Helidon answers itself, before a request reaches routing: malformed
 * request lines, paths, queries and headers, framing it refuses ({@code Content-Length} forms,
 * {@code Transfer-Encoding} it does not implement), sizes past its limits. Without these handlers
 * such answers have an empty body; with them every error of the node is {@link ApiError} JSON.
 */
public final class JsonErrors {

    /** Helidon's message when the request headers pass its limit (16 KiB). */
    private static final String HEADERS_TOO_LARGE = "Header size exceeded";

    private JsonErrors() {
    }

    /** Direct handlers answering every Helidon event type with an {@link ApiError}. */
    public static DirectHandlers directHandlers() {
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            builder.addHandler(type, JsonErrors::handle);
        }
        return builder.build();
    }

    private static DirectHandler.TransportResponse handle(DirectHandler.TransportRequest request,
                                                          DirectHandler.EventType type,
                                                          Status status,
                                                          ServerResponseHeaders headers,
                                                          String message) {
        String text = message == null || message.isBlank() ? status.reasonPhrase() : message;
        if (status.code() == 400 && text.equals(HEADERS_TOO_LARGE)) {
            status = Status.create(431, "Request Header Fields Too Large"); // Helidon says 400 where RFC 6585 has a status of its own
        }
        byte[] body = Json.bytes(ApiError.of(kind(status), text, Map.of()));
        headers.set(HeaderValues.CONTENT_TYPE_JSON);
        headers.set(HeaderNames.CONTENT_LENGTH, String.valueOf(body.length));
        return DirectHandler.TransportResponse.builder()
                .status(status)
                .headers(headers)
                .entity(body)
                .keepAlive(false)
                .build();
    }

    private static String kind(Status status) {
        return switch (status.code()) {
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 408 -> "timeout";
            case 413, 414, 431 -> "too_large";
            case 429, 503 -> "busy";
            case 501, 505 -> "not_implemented";
            default -> status.code() >= 500 ? "internal" : "bad_input";
        };
    }
}
