package dev.capfabric.kernel.dispatch;

import dev.capfabric.spi.Result;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * How a job ended, wherever it ran: a result, or an error with the status the caller gets.
 */
public sealed interface Outcome {

    /** The node that served or refused the job. */
    String node();

    /**
     * The job was served.
     *
     * @param result   what the provider returned
     * @param node     the node that ran it
     * @param provider the provider that ran it
     */
    record Served(Result result, String node, String provider) implements Outcome {
        public Served {
            requireNonNull(result, "result is null");
            requireNonNull(node, "node is null");
            requireNonNull(provider, "provider is null");
        }
    }

    /**
     * The job was not served.
     *
     * @param status     the HTTP status for the caller
     * @param kind       the error kind on the wire, such as {@code timeout} or {@code queue_full}
     * @param message    what happened
     * @param node       the node that answered
     * @param provider   the provider involved, if any
     * @param retryAfter when the caller may try again, for 429 and 503
     * @param details    more, for a program
     */
    record Failed(int status, String kind, String message, String node, Optional<String> provider,
                  Optional<Duration> retryAfter, Map<String, Object> details) implements Outcome {
        public Failed {
            requireNonNull(kind, "kind is null");
            requireNonNull(message, "message is null");
            requireNonNull(node, "node is null");
            requireNonNull(provider, "provider is null");
            requireNonNull(retryAfter, "retryAfter is null");
            details = Map.copyOf(details);
        }

        public static Failed of(int status, String kind, String message, String node) {
            return new Failed(status, kind, message, node, Optional.empty(), Optional.empty(), Map.of());
        }
    }
}
