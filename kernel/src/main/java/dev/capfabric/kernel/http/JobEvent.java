package dev.capfabric.kernel.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.capfabric.kernel.dispatch.Outcome;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.Result;

import java.util.Base64;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * One server-sent event about a job, as its {@code event:} name and JSON {@code data:}. A stream is any
 * number of {@code progress} and {@code partial} events (and, when some were left out, one {@code dropped})
 * followed by exactly one {@code result} or {@code error}. Bytes travel base64-encoded in {@code data}.
 */
public sealed interface JobEvent {

    /** The SSE event name. */
    String name();

    /** Whether this event ends the stream. */
    default boolean last() {
        return this instanceof Done || this instanceof Error;
    }

    /** {@code progress}: how far the job has come. */
    record Progress(double fraction, String message) implements JobEvent {
        @Override
        public String name() {
            return "progress";
        }
    }

    /**
     * {@code partial}: one piece of the result.
     *
     * @param index     0 for the first piece, then counting up
     * @param mediaType the piece's bytes' media type, null without bytes
     * @param data      the piece's bytes in base64, null without bytes
     * @param metadata  the piece's metadata (an stt segment's text and times, a sentence's text)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Partial(int index, String mediaType, String data, Map<String, Object> metadata)
            implements JobEvent {
        public Partial {
            requireNonNull(metadata, "metadata is null");
        }

        public static Partial of(int index, Result piece) {
            return new Partial(index, piece.output().map(Payload::mediaType).orElse(null),
                    piece.output().map(p -> Base64.getEncoder().encodeToString(p.bytes())).orElse(null), piece.metadata());
        }

        @Override
        public String name() {
            return "partial";
        }
    }

    /**
     * {@code dropped}: {@code count} progress or partial events were left out on their way (the caller
     * read slowly, or the job made more or larger events than are relayed between nodes); the result
     * event still carries the whole answer.
     */
    record Dropped(int count) implements JobEvent {
        @Override
        public String name() {
            return "dropped";
        }
    }

    /** {@code result}: the whole result, as the synchronous answer would carry it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Done(String node, String provider, String mediaType, String data,
                Map<String, Object> metadata) implements JobEvent {
        @Override
        public String name() {
            return "result";
        }
    }

    /** {@code error}: the job failed, with the status its synchronous answer would have had. */
    record Error(int status, ApiError.Body error, String node) implements JobEvent {
        @Override
        public String name() {
            return "error";
        }
    }

    /** The last event of a job that ended with {@code outcome}. */
    static JobEvent of(Outcome outcome) {
        return switch (outcome) {
            case Outcome.Served served -> new Done(served.node(), served.provider(),
                    served.result().output().map(Payload::mediaType).orElse(null),
                    served.result().output().map(p -> Base64.getEncoder().encodeToString(p.bytes())).orElse(null),
                    served.result().metadata());
            case Outcome.Failed failed -> new Error(failed.status(),
                    new ApiError.Body(failed.kind(), failed.message(), failed.details()), failed.node());
        };
    }
}
