package dev.capfabric.plugin.stt.whisper;

import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityException.Kind;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Maps a backend's error response to the kind of failure the caller sees. Reads the error shapes of
 * the servers this adapter targets: OpenAI's {@code {"error": {"message", "type", "param", "code"}}}
 * (also LocalAI's), whisper.cpp's {@code {"error": "..."}} and FastAPI's {@code {"detail": ...}}
 * (faster-whisper servers).
 *
 * <p>Whose fault decides the kind: a request the backend finds malformed is the caller's
 * ({@code BAD_INPUT}); a language or model it does not have is {@code UNPROCESSABLE}; credentials,
 * rate limits and server failures are this node's or the backend's ({@code UNAVAILABLE}, so the
 * kernel may try another node).
 */
final class BackendErrors {

    private static final int MAX_MESSAGE = 300;

    private BackendErrors() {
    }

    static CapabilityException toException(int status, String body) {
        BackendError error = BackendError.read(body);
        String said = " (" + status + "): " + error.message();
        Kind kind = switch (status) {
            case 400 -> error.concernsLanguageOrModel() ? Kind.UNPROCESSABLE : Kind.BAD_INPUT;
            case 401, 403 -> Kind.UNAVAILABLE;
            case 404 -> error.concernsLanguageOrModel() ? Kind.UNPROCESSABLE : Kind.UNAVAILABLE;
            case 408 -> Kind.TIMEOUT;
            case 413 -> Kind.TOO_LARGE;
            case 415, 422 -> Kind.UNPROCESSABLE;
            case 429 -> Kind.UNAVAILABLE;
            default -> status >= 500 || status < 400 ? Kind.UNAVAILABLE : Kind.BAD_INPUT;
        };
        String message = switch (status) {
            case 401, 403 -> "backend refused this node's credentials (check api-key)" + said;
            case 404 -> kind == Kind.UNPROCESSABLE ? "backend does not have it" + said
                    : "backend has no transcription endpoint there (check base-url)" + said;
            case 429 -> "backend is rate-limiting this node" + said;
            default -> status >= 500 ? "backend failed" + said : "backend refused the request" + said;
        };
        return new CapabilityException(kind, message);
    }

    /** The parts of an error body that matter here. */
    private record BackendError(String message, String param, String code) {

        static BackendError read(String body) {
            Optional<Map<?, ?>> json = Json.parseObject(body);
            if (json.isPresent()) {
                Object error = json.get().get("error");
                if (error instanceof Map<?, ?> details) {
                    return new BackendError(
                            Json.string(details, "message").orElse(shorten(body)),
                            Json.string(details, "param").orElse(""),
                            details.get("code") == null ? "" : String.valueOf(details.get("code")));
                }
                if (error instanceof String message) {
                    return new BackendError(shorten(message), "", "");
                }
                Object detail = json.get().get("detail");
                if (detail instanceof String message) {
                    return new BackendError(shorten(message), "", "");
                }
                if (detail instanceof List<?> problems && !problems.isEmpty()) {
                    return new BackendError(shorten(String.valueOf(Json.string(problems.getFirst(), "msg")
                            .orElse(String.valueOf(problems.getFirst())))), "", "");
                }
            }
            return new BackendError(body.isBlank() ? "no details" : shorten(body), "", "");
        }

        boolean concernsLanguageOrModel() {
            String lower = message.toLowerCase(Locale.ROOT);
            return param.equals("language") || param.equals("model") || code.equals("model_not_found")
                    || lower.contains("language") || lower.contains("model");
        }

        private static String shorten(String text) {
            String flat = text.strip().replaceAll("\\s+", " ");
            return flat.length() <= MAX_MESSAGE ? flat : flat.substring(0, MAX_MESSAGE) + "…";
        }
    }
}
