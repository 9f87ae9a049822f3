package dev.capfabric.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One unit of work handed to a {@link CapabilityProvider}.
 *
 * <p>Parameters are a flat string map: the request's query parameters plus, for JSON requests,
 * the top-level scalar fields of the JSON object (so a tts request body {@code {"text": "hi"}}
 * arrives as parameter {@code text}). Well-known keys are {@code language}, {@code model},
 * {@code voice} and {@code provider}. The input payload is the request body as received.
 *
 * @param id           unique id of this job, stable across offloads between nodes
 * @param capability   the capability requested
 * @param parameters   flat parameters, never null
 * @param input        the request body with its media type
 * @param deadline     the instant after which nobody waits for the result
 * @param cancellation fires when the result is no longer wanted
 */
public record Job(String id,
                  Capability capability,
                  Map<String, String> parameters,
                  Payload input,
                  Instant deadline,
                  Cancellation cancellation) {

    public Job {
        requireNonNull(id, "id is null");
        requireNonNull(capability, "capability is null");
        parameters = Map.copyOf(requireNonNull(parameters, "parameters is null"));
        requireNonNull(input, "input is null");
        requireNonNull(deadline, "deadline is null");
        requireNonNull(cancellation, "cancellation is null");
    }

    /** The value of a parameter, if given and not blank. */
    public Optional<String> parameter(String key) {
        String value = parameters.get(key);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
    }

    /** Time left until the deadline, never negative. */
    public Duration timeLeft() {
        Duration left = Duration.between(Instant.now(), deadline);
        return left.isNegative() ? Duration.ZERO : left;
    }

    /** Whether someone follows this job's progress and partial results (see {@link Cancellation#streaming()}). */
    public boolean streaming() {
        return cancellation.streaming();
    }

    /** Reports progress to whoever follows the job (see {@link Cancellation#progress}). */
    public void progress(double fraction, String message) {
        cancellation.progress(fraction, requireNonNull(message, "message is null"));
    }

    /** Emits one piece of the result ahead of the whole (see {@link Cancellation#partial}). */
    public void partial(Result piece) {
        cancellation.partial(requireNonNull(piece, "piece is null"));
    }

    /** True when the deadline has passed or the caller cancelled. */
    public boolean abandoned() {
        return cancellation.isCancelled() || !Instant.now().isBefore(deadline);
    }
}
