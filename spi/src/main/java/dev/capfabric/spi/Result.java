package dev.capfabric.spi;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * What a provider returns for a job.
 *
 * <p>A result either carries output bytes (audio, an image) or none. Metadata holds what was
 * found or how: recognised text, the model used, durations. Metadata values are JSON-compatible:
 * {@link String}, {@link Number}, {@link Boolean}, {@link java.util.List} and {@link Map} of those.
 * When there is no output payload the kernel answers with the metadata as a JSON object; when there
 * is one it answers with the bytes and passes scalar metadata in response headers.
 *
 * @param output   the output bytes, if the capability produces any
 * @param metadata JSON-compatible facts about the result, in insertion order
 */
public record Result(Optional<Payload> output, Map<String, Object> metadata) {

    public Result {
        requireNonNull(output, "output is null");
        metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(metadata, "metadata is null")));
    }

    /** A result made of output bytes and metadata. */
    public static Result of(Payload output, Map<String, Object> metadata) {
        return new Result(Optional.of(output), metadata);
    }

    /** A result made of output bytes alone. */
    public static Result of(Payload output) {
        return new Result(Optional.of(output), Map.of());
    }

    /** A result made of metadata alone, answered as a JSON object. */
    public static Result json(Map<String, Object> fields) {
        return new Result(Optional.empty(), fields);
    }
}
