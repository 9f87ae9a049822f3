package dev.capfabric.spi;

import static java.util.Objects.requireNonNull;

/**
 * A job failed, and why. The kind decides what the caller sees: the kernel maps it to an HTTP
 * status (and, across nodes, decides whether another node may be tried).
 */
public class CapabilityException extends Exception {

    /** Why a job failed. */
    public enum Kind {
        /** The input is malformed: undecodable audio, missing text. HTTP 400. Not retried elsewhere. */
        BAD_INPUT(400),
        /** The input is too large for this provider (bytes, pixels, characters). HTTP 413. */
        TOO_LARGE(413),
        /** The input is well formed but cannot be processed: unsupported language or model. HTTP 422. */
        UNPROCESSABLE(422),
        /** The provider cannot serve now: engine or backend down. HTTP 503. Another node may be tried. */
        UNAVAILABLE(503),
        /** The job ran out of time. HTTP 504. */
        TIMEOUT(504),
        /** A fault in the provider or engine. HTTP 500. */
        INTERNAL(500);

        private final int httpStatus;

        Kind(int httpStatus) {
            this.httpStatus = httpStatus;
        }

        /** The HTTP status the kernel answers with. */
        public int httpStatus() {
            return httpStatus;
        }

        /** The lowercase name used in JSON error bodies, such as {@code bad_input}. */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Kind kind;

    public CapabilityException(Kind kind, String message) {
        super(requireNonNull(message, "message is null"));
        this.kind = requireNonNull(kind, "kind is null");
    }

    public CapabilityException(Kind kind, String message, Throwable cause) {
        super(requireNonNull(message, "message is null"), cause);
        this.kind = requireNonNull(kind, "kind is null");
    }

    public Kind kind() {
        return kind;
    }

    public static CapabilityException badInput(String message) {
        return new CapabilityException(Kind.BAD_INPUT, message);
    }

    public static CapabilityException tooLarge(String message) {
        return new CapabilityException(Kind.TOO_LARGE, message);
    }

    public static CapabilityException unprocessable(String message) {
        return new CapabilityException(Kind.UNPROCESSABLE, message);
    }

    public static CapabilityException unavailable(String message) {
        return new CapabilityException(Kind.UNAVAILABLE, message);
    }

    public static CapabilityException timeout(String message) {
        return new CapabilityException(Kind.TIMEOUT, message);
    }

    public static CapabilityException internal(String message, Throwable cause) {
        return new CapabilityException(Kind.INTERNAL, message, cause);
    }
}
