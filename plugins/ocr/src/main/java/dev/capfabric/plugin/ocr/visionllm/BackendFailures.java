package dev.capfabric.plugin.ocr.visionllm;

import dev.capfabric.spi.CapabilityException;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Decides what a backend failure means for the caller. The backend refusing the request
 * (4xx) is about the input or the model: BAD_INPUT, TOO_LARGE or UNPROCESSABLE, not worth
 * retrying elsewhere. A backend that is down, overloaded or refuses our credentials (5xx,
 * 401/403/429, unreachable, dropped connection) is UNAVAILABLE, so another node may serve.
 * Running out of time is TIMEOUT.
 */
final class BackendFailures {

    private static final int MAX_MESSAGE = 300;

    private BackendFailures() {
    }

    static CapabilityException forStatus(int status, Optional<String> backendMessage, byte[] body, URI endpoint) {
        String said = backendMessage.orElseGet(() -> new String(body, StandardCharsets.UTF_8)).strip();
        String detail = "the backend at " + endpoint + " answered " + status
                + (said.isEmpty() ? "" : ": " + abbreviate(said));
        return switch (status) {
            case 400 -> CapabilityException.badInput(detail);
            case 413 -> CapabilityException.tooLarge(detail);
            case 408 -> CapabilityException.timeout(detail);
            case 401, 403 -> CapabilityException.unavailable(detail + " (check the api-key setting)");
            case 429 -> CapabilityException.unavailable(detail + " (rate limited)");
            default -> status >= 400 && status < 500
                    ? CapabilityException.unprocessable(detail)
                    : CapabilityException.unavailable(detail);
        };
    }

    static CapabilityException forException(Throwable failure, URI endpoint, boolean deadlineIsJobs) {
        if (failure instanceof HttpConnectTimeoutException) {
            return CapabilityException.unavailable("the backend at " + endpoint + " did not accept a connection in time");
        }
        if (failure instanceof HttpTimeoutException) {
            return CapabilityException.timeout(deadlineIsJobs
                    ? "the job's deadline passed before the backend at " + endpoint + " answered"
                    : "the backend at " + endpoint + " did not answer in time");
        }
        if (failure instanceof ConnectException) {
            return CapabilityException.unavailable("the backend at " + endpoint + " is unreachable: "
                    + (failure.getMessage() == null ? "connection refused" : failure.getMessage()));
        }
        return new CapabilityException(CapabilityException.Kind.UNAVAILABLE,
                "the exchange with the backend at " + endpoint + " failed: " + failure, failure);
    }

    private static String abbreviate(String message) {
        return message.length() <= MAX_MESSAGE ? message : message.substring(0, MAX_MESSAGE) + "…";
    }
}
