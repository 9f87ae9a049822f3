package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.capfabric.kernel.http.Json;

import java.io.IOException;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The shape of an offloaded job on NATS: job metadata travels in headers, the input and output as
 * raw bytes in the body (or, above the max payload, by reference to an Object Store object).
 *
 * <p>Request headers: {@value #JOB_ID}, {@value #CAPABILITY}, {@value #TIMEOUT_MS} (the deadline as
 * the time left, which the serving node turns into its own deadline, so clock skew between machines
 * cannot expire a job early), {@value #CONTENT_TYPE}, {@value #PARAMS} (a JSON object, non-ASCII
 * escaped) or {@value #PARAMS_REF}, and {@value #INPUT_REF} when the input travels by reference.
 * Reply headers: {@value #STATUS} (the HTTP status), {@value #NODE}, {@value #PROVIDER},
 * {@value #RESULT} ({@code payload}, {@code json} or {@code error}), for payloads {@value #CONTENT_TYPE}
 * and {@value #METADATA} or {@value #METADATA_REF}, {@value #OUTPUT_REF} when the output travels by
 * reference, and {@value #KIND} and {@value #RETRY_AFTER_MS} for errors, whose body is
 * {@code {"message", "details"}}.
 *
 * <p>When the sending node's caller follows the job (server-sent events), the request also carries
 * {@value #EVENTS}, a token naming the job's event subject ({@link Subjects#offloadEvents}); the serving
 * node publishes the job's progress and partial results there as they come, each with {@value #EVENT}
 * ({@code progress} or {@code partial}) and the event's JSON as the body, and its reply then says how
 * many it published ({@value #EVENTS_SENT}) and how many it left out ({@value #EVENTS_DROPPED}). Without
 * the header nothing is published. Every header counts against the max payload and costs time on both
 * sides, so there is none that the subject or the request/reply pairing already says.
 */
final class OffloadWire {

    static final String JOB_ID = "Capfabric-Job-Id";
    static final String CAPABILITY = "Capfabric-Capability";
    static final String ORIGIN = "Capfabric-Origin";
    /** The name of the API key the job's caller used on the sending node, for audit lines; never the key. */
    static final String CALLER = "Capfabric-Caller";
    static final String TIMEOUT_MS = "Capfabric-Timeout-Ms";
    static final String CONTENT_TYPE = "Content-Type";
    static final String PARAMS = "Capfabric-Params";
    static final String PARAMS_REF = "Capfabric-Params-Ref";
    static final String INPUT_REF = "Capfabric-Input-Ref";
    static final String STATUS = "Capfabric-Status";
    static final String NODE = "Capfabric-Node";
    static final String PROVIDER = "Capfabric-Provider";
    static final String RESULT = "Capfabric-Result";
    static final String METADATA = "Capfabric-Metadata";
    static final String METADATA_REF = "Capfabric-Metadata-Ref";
    static final String OUTPUT_REF = "Capfabric-Output-Ref";
    static final String KIND = "Capfabric-Kind";
    static final String RETRY_AFTER_MS = "Capfabric-Retry-After-Ms";
    static final String DIGEST = "Capfabric-Digest";
    /** On a request: the token of the subject where the sender hears the job's events. */
    static final String EVENTS = "Capfabric-Events";
    /** On an event message: which event the body is ({@code progress}, {@code partial}). */
    static final String EVENT = "Capfabric-Event";
    /** On a reply: how many events were published for the job before the reply. */
    static final String EVENTS_SENT = "Capfabric-Events-Sent";
    /** On a reply: how many events the serving node left out (over the job's bounds, or unsendable). */
    static final String EVENTS_DROPPED = "Capfabric-Events-Dropped";
    /** On heartbeats: which process sends them, so two nodes started with one id see each other. */
    static final String INSTANCE = "Capfabric-Instance";
    static final String KNOWN_NODES = "Capfabric-Known-Nodes";
    /**
     * On heartbeats and offload requests: the sender's monotonic clock, milliseconds, when it sent the
     * message (with {@link #INSTANCE}): what {@link PeerClocks} finds a request's wait from.
     */
    static final String CLOCK = "Capfabric-Clock-Ms";
    /** The NATS micro-services error headers, so standard tooling sees failed requests. */
    static final String SERVICE_ERROR = "Nats-Service-Error";
    static final String SERVICE_ERROR_CODE = "Nats-Service-Error-Code";

    /** JSON header values above this travel by reference instead: headers count against the max payload. */
    static final int HEADER_JSON_LIMIT = 16 * 1024;
    /** Room kept for headers when deciding whether a body fits inline. */
    static final int HEADER_ROOM = 2 * 1024;

    private static final Pattern JOB_ID_PATTERN = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
    private static final Pattern EVENTS_TOKEN_PATTERN = Pattern.compile("[A-Za-z0-9]{1,64}");
    private static final ObjectWriter ASCII = Json.MAPPER.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII);
    private static final TypeReference<Map<String, String>> STRINGS = new TypeReference<>() {
    };
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {
    };

    private OffloadWire() {
    }

    /** A header-safe JSON text: one line, ASCII only. */
    static String headerJson(Object value) {
        try {
            return ASCII.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getName(), e);
        }
    }

    static Map<String, String> parameters(byte[] json) throws IOException {
        Map<String, String> parameters = Json.MAPPER.readValue(json, STRINGS);
        return parameters == null ? Map.of() : parameters;
    }

    static Map<String, Object> object(byte[] json) throws IOException {
        Map<String, Object> object = Json.MAPPER.readValue(json, OBJECT);
        return object == null ? Map.of() : object;
    }

    /** Whether {@code token} may name an event subject: one subject token of letters and digits. */
    static boolean validEventsToken(String token) {
        return token != null && EVENTS_TOKEN_PATTERN.matcher(token).matches();
    }

    static boolean validJobId(String id) {
        return id != null && JOB_ID_PATTERN.matcher(id).matches();
    }

    /** The error body of a failed job. */
    record ErrorBody(String message, Map<String, Object> details) {
    }

    /** A header value fit for a log line: at most 64 characters, nothing but letters, digits and {@code . _ -}. */
    static String printable(String value) {
        if (value == null) {
            return "-";
        }
        String cleaned = value.replaceAll("[^A-Za-z0-9._-]", "?");
        return cleaned.length() > 64 ? cleaned.substring(0, 64) + "..." : cleaned;
    }
}
