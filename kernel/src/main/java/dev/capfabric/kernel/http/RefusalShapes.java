package dev.capfabric.kernel.http;

import io.helidon.webserver.http.ServerResponse;

/**
 * Writes the refusals decided before any route runs (the API key check's 401, 403 and 429) in the
 * shape the route's clients read. Routes that speak another API's error shape (the OpenAI-compatible
 * front door) answer in it; every other route in capfabric's {@link ApiError}.
 */
@FunctionalInterface
public interface RefusalShapes {

    /** capfabric's shape on every route. */
    RefusalShapes CAPFABRIC = (path, response, refusal) -> false;

    /**
     * A refusal of a request.
     *
     * @param status  the HTTP status
     * @param kind    capfabric's error kind ({@code unauthorized}, {@code forbidden}, {@code rate_limited})
     * @param reason  why, as a word: {@code missing} (no key), {@code unknown} (a key nobody issued),
     *                {@code scope} (the key lacks the route's scope), {@code no_keys} (the route needs a
     *                key and the node has none), {@code limited} (too many failures from the address)
     * @param message what went wrong, for a person
     */
    record Refusal(int status, String kind, String reason, String message) {
    }

    /**
     * Sends {@code refusal} of a request for {@code path} in the route's own shape.
     *
     * @return whether it answered; false leaves the answer to {@link ApiError}
     */
    boolean send(String path, ServerResponse response, Refusal refusal);
}
