package dev.capfabric.kernel.openai;

import dev.capfabric.kernel.dispatch.Outcome;
import dev.capfabric.kernel.http.CapabilityService;
import dev.capfabric.kernel.http.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderName;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;
import java.util.Optional;

/**
 * An error of the OpenAI-shaped routes, as OpenAI's API answers them:
 * {@code {"error": {"message", "type", "param", "code"}}} ({@code param} and {@code code} are null when
 * nothing fits), with OpenAI's statuses: 400 for an invalid request, 404 for a model no node serves,
 * 413, 415, 429 with {@code Retry-After}, 503 only for what may pass. {@code x-should-retry} tells the
 * official SDKs, which retry 429 and every 5xx by default, whether retrying can help.
 *
 * @param error the error
 */
public record OpenAiError(Body error) {

    /** Read by the official SDKs before their own retry rules. */
    static final HeaderName SHOULD_RETRY = HeaderNames.create("x-should-retry");

    /**
     * @param message what went wrong, for a person
     * @param type    {@code invalid_request_error}, {@code rate_limit_error}, {@code server_error} ...
     * @param param   the request field at fault, if one is
     * @param code    a stable machine word, such as {@code model_not_found}
     */
    public record Body(String message, String type, String param, String code) {
    }

    /** An error with a status; sent by {@link #send}. */
    static final class Failure extends RuntimeException {
        final int status;
        final String param;
        final String code;
        final Optional<Duration> retryAfter;

        Failure(int status, String message, String param, String code) {
            this(status, message, param, code, Optional.empty());
        }

        Failure(int status, String message, String param, String code, Optional<Duration> retryAfter) {
            super(message, null, false, false);
            this.status = status;
            this.param = param;
            this.code = code;
            this.retryAfter = retryAfter;
        }
    }

    static Failure invalid(String message, String param, String code) {
        return new Failure(400, message, param, code);
    }

    static Failure modelNotFound(String model, String what) {
        return new Failure(404, "The model '" + model + "' does not exist or no node of the fabric serves it" + what,
                "model", "model_not_found");
    }

    /** OpenAI's {@code type} for a status. */
    static String type(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404, 400, 413, 415, 422 -> "invalid_request_error";
            case 429 -> "rate_limit_error";
            case 504 -> "timeout_error";
            default -> status >= 500 ? "server_error" : "invalid_request_error";
        };
    }

    static void send(ServerResponse response, Failure failure) {
        failure.retryAfter.ifPresent(wait -> response.header(HeaderNames.RETRY_AFTER, seconds(wait)));
        boolean retryable = failure.status == 429 || failure.status == 503 || failure.status == 502 || failure.status == 504;
        response.header(SHOULD_RETRY, String.valueOf(retryable));
        Json.send(response, Status.create(failure.status),
                new OpenAiError(new Body(failure.getMessage(), type(failure.status), failure.param, failure.code)));
    }

    /**
     * A failed job as an OpenAI error. The kernel's 422 (the job asked for what a provider cannot do:
     * a voice it lacks, a format it does not produce) is OpenAI's 400.
     */
    static Failure of(Outcome.Failed failed) {
        int status = failed.status() == 422 ? 400 : failed.status();
        return new Failure(status, failed.message(), null, failed.kind(), failed.retryAfter());
    }

    static void sendOutcome(ServerResponse response, Outcome.Failed failed) {
        response.header(CapabilityService.NODE, failed.node());
        failed.provider().ifPresent(p -> response.header(CapabilityService.PROVIDER, p));
        send(response, of(failed));
    }

    private static String seconds(Duration wait) {
        return String.valueOf(Math.max(1, (wait.toMillis() + 999) / 1000));
    }
}
