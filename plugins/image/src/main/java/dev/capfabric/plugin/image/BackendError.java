package dev.capfabric.plugin.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityException.Kind;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns a backend's error answer into a {@link CapabilityException} that carries the backend's own
 * message and a kind saying whose fault it is: the caller's (4xx about the request), this node's
 * (credentials, rate limits: another node may do better) or the backend's (5xx).
 *
 * <p>Reads the error bodies the supported servers document: OpenAI's
 * {@code {"error": {"message", "type"}}}, FastAPI's {@code {"detail": "..."}} and
 * {@code {"detail": [{"loc", "msg"}]}}, and AUTOMATIC1111's {@code {"error", "detail", "body", "errors"}}.
 */
final class BackendError {

    private static final int MAX_MESSAGE_CHARS = 500;

    private BackendError() {
    }

    /** The exception for a non-2xx answer to {@code call}. */
    static CapabilityException of(String call, int status, JsonNode body, byte[] rawBody) {
        String message = messageOf(body).orElseGet(() -> plainText(rawBody));
        String text = "backend answered " + status + " to " + call + (message.isBlank() ? "" : ": " + message);
        return new CapabilityException(kindOf(status), text);
    }

    static Kind kindOf(int status) {
        return switch (status) {
            case 400 -> Kind.BAD_INPUT;
            case 404, 422 -> Kind.UNPROCESSABLE;
            case 413 -> Kind.TOO_LARGE;
            // credentials, proxies and rate limits are this node's problem, not the caller's: let another node try
            case 401, 403, 407, 408, 429 -> Kind.UNAVAILABLE;
            default -> status >= 400 && status < 500 ? Kind.BAD_INPUT : Kind.UNAVAILABLE;
        };
    }

    static Optional<String> messageOf(JsonNode body) {
        JsonNode error = body.path("error");
        if (error.isObject() && error.path("message").isTextual()) {
            String type = error.path("type").asText("");
            return Optional.of(bounded(error.get("message").asText() + (type.isBlank() ? "" : " (" + type + ")")));
        }
        String detail = detail(body.path("detail"));
        if (error.isTextual()) {
            String explanation = detail.isBlank() ? body.path("errors").asText("") : detail;
            return Optional.of(bounded(error.asText() + (explanation.isBlank() ? "" : ": " + explanation)));
        }
        return detail.isBlank() ? Optional.empty() : Optional.of(bounded(detail));
    }

    private static String detail(JsonNode detail) {
        if (detail.isTextual()) {
            return detail.asText();
        }
        if (!detail.isArray()) {
            return "";
        }
        List<String> problems = new ArrayList<>();
        for (JsonNode problem : detail) {
            List<String> location = new ArrayList<>();
            for (JsonNode part : problem.path("loc")) {
                location.add(part.asText());
            }
            // FastAPI puts "body" first in every location of a JSON body; it says nothing to the caller
            if (location.size() > 1 && location.getFirst().equals("body")) {
                location.removeFirst();
            }
            String message = problem.path("msg").asText("invalid");
            problems.add(location.isEmpty() ? message : String.join(".", location) + ": " + message);
        }
        return String.join("; ", problems);
    }

    private static String plainText(byte[] rawBody) {
        String text = new String(rawBody, 0, Math.min(rawBody.length, MAX_MESSAGE_CHARS), StandardCharsets.UTF_8);
        return bounded(text.strip().replaceAll("\\s+", " "));
    }

    private static String bounded(String message) {
        return message.length() <= MAX_MESSAGE_CHARS ? message : message.substring(0, MAX_MESSAGE_CHARS) + "…";
    }
}
