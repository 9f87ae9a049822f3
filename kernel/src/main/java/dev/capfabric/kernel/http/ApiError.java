package dev.capfabric.kernel.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

import java.util.Map;

/**
 * The body of every error response: {@code {"error": {"kind": ..., "message": ...}}}, with optional
 * details (the provider that failed, the capabilities known, why nodes were skipped).
 *
 * @param error the error
 */
public record ApiError(Body error) {

    /**
     * @param kind    a stable lowercase word: {@code bad_input}, {@code not_found}, {@code unavailable} ...
     * @param message what went wrong, for a person
     * @param details more, for a program; omitted when empty
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Body(String kind, String message, Map<String, Object> details) {
    }

    public static ApiError of(String kind, String message) {
        return new ApiError(new Body(kind, message, Map.of()));
    }

    public static ApiError of(String kind, String message, Map<String, Object> details) {
        return new ApiError(new Body(kind, message, details));
    }

    /** Sends this error with the given status. */
    public void send(ServerResponse response, int status) {
        Json.send(response, Status.create(status), this);
    }
}
