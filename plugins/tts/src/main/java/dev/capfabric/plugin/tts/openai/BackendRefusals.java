package dev.capfabric.plugin.tts.openai;

import dev.capfabric.spi.CapabilityException;

import java.nio.charset.StandardCharsets;

/**
 * Turns a speech server's error answer into the failure the caller sees. The request's fault (4xx) stays
 * the request's fault; the node's or the server's fault (bad API key, rate limit, 5xx) makes the provider
 * unavailable for this job, so the kernel may try another node.
 */
final class BackendRefusals {

    private BackendRefusals() {
    }

    /** The failure for a non-2xx answer, carrying what the server said. */
    static CapabilityException of(SpeechBackend.Answer answer, String where) {
        int status = answer.status();
        String said = SpeechApiJson.errorMessage(answer.body()).orElseGet(() -> excerpt(answer.body()));
        String message = where + (status >= 500 ? " failed" : " refused") + " the speech request (HTTP " + status + ")"
                + (said.isEmpty() ? "" : ": " + said);
        return switch (status) {
            case 401, 403 -> CapabilityException.unavailable(message + " - check the provider's api-key");
            case 404, 422 -> CapabilityException.unprocessable(message);
            case 408 -> CapabilityException.timeout(message);
            case 413 -> CapabilityException.tooLarge(message);
            case 429 -> CapabilityException.unavailable(message + " - the server is rate limiting");
            default -> status >= 400 && status < 500 ? CapabilityException.badInput(message)
                    : CapabilityException.unavailable(message);
        };
    }

    /** The start of a body that is not JSON, on one line, if it is text at all. */
    private static String excerpt(byte[] body) {
        String text = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8)
                .replaceAll("\\s+", " ").strip();
        return text.chars().allMatch(c -> c >= 0x20 && c != 0xFFFD) ? text : "(" + body.length + " bytes that are not text)";
    }
}
