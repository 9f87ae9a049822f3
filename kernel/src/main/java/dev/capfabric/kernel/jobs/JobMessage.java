package dev.capfabric.kernel.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.capfabric.kernel.http.Json;
import dev.capfabric.spi.Payload;
import io.nats.client.Message;
import io.nats.client.impl.Headers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A submitted job on the work-queue stream. Headers: {@value #JOB_ID}, {@value #CONTENT_TYPE} (of the
 * input), {@value #TIMEOUT_MS} (the run's time budget), and either {@value #PARAMS} (the parameters as
 * ASCII JSON) or {@value #PARAMS_REF} (the Object Store name holding them, when they are large); the body
 * is the input, unless {@value #INPUT_REF} names the Object Store object holding it (inputs above the
 * connection's max payload).
 */
final class JobMessage {

    static final String JOB_ID = "Capfabric-Job-Id";
    static final String CONTENT_TYPE = "Content-Type";
    static final String TIMEOUT_MS = "Capfabric-Timeout-Ms";
    static final String PARAMS = "Capfabric-Params";
    static final String PARAMS_REF = "Capfabric-Params-Ref";
    static final String INPUT_REF = "Capfabric-Input-Ref";

    /** JSON header values above this travel in the Object Store: headers count against the max payload. */
    static final int HEADER_JSON_LIMIT = 16 * 1024;
    /** Room kept for headers when deciding whether an input fits inline. */
    static final int HEADER_ROOM = 20 * 1024;

    private static final ObjectWriter ASCII = Json.MAPPER.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII);
    private static final TypeReference<Map<String, String>> STRINGS = new TypeReference<>() {
    };

    /**
     * A job as read back from the stream.
     *
     * @param id         the job's id
     * @param parameters its parameters (or, with {@code paramsRef}, none yet)
     * @param paramsRef  where the parameters are, when they did not fit a header
     * @param mediaType  the input's media type
     * @param input      the input inline (empty with {@code inputRef})
     * @param inputRef   where the input is, when it did not fit the message
     * @param timeout    the run's time budget
     */
    record Read(String id, Map<String, String> parameters, Optional<String> paramsRef, String mediaType, byte[] input,
                Optional<String> inputRef, Duration timeout) {
    }

    private JobMessage() {
    }

    static String paramsJson(Map<String, String> parameters) {
        try {
            return ASCII.writeValueAsString(parameters);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> parameters(byte[] json) throws IOException {
        Map<String, String> parameters = Json.MAPPER.readValue(json, STRINGS);
        return parameters == null ? Map.of() : parameters;
    }

    static Headers headers(String id, Payload input, Duration timeout, Optional<String> params, Optional<String> paramsRef,
                           Optional<String> inputRef) {
        Headers headers = new Headers();
        headers.put(JOB_ID, id);
        headers.put(CONTENT_TYPE, input.mediaType());
        headers.put(TIMEOUT_MS, Long.toString(timeout.toMillis()));
        params.ifPresent(p -> headers.put(PARAMS, p));
        paramsRef.ifPresent(ref -> headers.put(PARAMS_REF, ref));
        inputRef.ifPresent(ref -> headers.put(INPUT_REF, ref));
        return headers;
    }

    /** Reads a message; throws IOException for one that is not a job of ours (it is then dropped). */
    static Read read(Message message) throws IOException {
        Headers headers = message.getHeaders();
        if (headers == null || headers.getFirst(JOB_ID) == null) {
            throw new IOException("not a capfabric job: no " + JOB_ID + " header");
        }
        String params = headers.getFirst(PARAMS);
        long timeout;
        try {
            timeout = Long.parseLong(headers.getFirst(TIMEOUT_MS));
        } catch (NumberFormatException e) {
            throw new IOException("bad " + TIMEOUT_MS + ": " + headers.getFirst(TIMEOUT_MS));
        }
        return new Read(headers.getFirst(JOB_ID),
                params == null ? Map.of() : parameters(params.getBytes(StandardCharsets.US_ASCII)),
                Optional.ofNullable(headers.getFirst(PARAMS_REF)),
                Optional.ofNullable(headers.getFirst(CONTENT_TYPE)).orElse(Payload.OCTETS),
                message.getData() == null ? new byte[0] : message.getData(),
                Optional.ofNullable(headers.getFirst(INPUT_REF)),
                Duration.ofMillis(Math.max(1, timeout)));
    }
}
