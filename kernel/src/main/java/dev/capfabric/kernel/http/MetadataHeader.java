package dev.capfabric.kernel.http;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code X-Capfabric-Metadata}: a binary result's metadata (voice, sample rate, duration, image seed
 * and size ...) as one line of JSON, so that HTTP callers see what NATS callers get in
 * {@code Capfabric-Metadata}.
 *
 * <p>The value is ASCII (other characters are escaped as {@code \\uXXXX}, as JSON allows) and at most
 * {@link #MAX_CHARS} characters: when the whole metadata is longer, the largest values are left out
 * and their keys listed under {@code "_omitted"}, so the header never grows past what HTTP clients
 * accept.
 */
public final class MetadataHeader {

    public static final HeaderName NAME = HeaderNames.create("X-Capfabric-Metadata");

    /** Well under the 8 KiB that common clients and proxies accept for all headers together. */
    static final int MAX_CHARS = 4096;

    private static final ObjectWriter ASCII = Json.MAPPER.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII);

    private MetadataHeader() {
    }

    /** The header value for {@code metadata}; empty when there is none. */
    public static Optional<String> value(Map<String, Object> metadata) {
        if (metadata.isEmpty()) {
            return Optional.empty();
        }
        String whole = write(metadata);
        if (whole.length() <= MAX_CHARS) {
            return Optional.of(whole);
        }
        Map<String, String> written = new LinkedHashMap<>();
        metadata.forEach((key, value) -> written.put(key, write(value)));
        List<String> largestFirst = new ArrayList<>(written.keySet());
        largestFirst.sort(Comparator.comparingInt((String key) -> written.get(key).length()).reversed());
        Map<String, Object> kept = new LinkedHashMap<>(metadata);
        List<String> omitted = new ArrayList<>();
        for (String key : largestFirst) {
            kept.remove(key);
            omitted.add(key);
            Map<String, Object> attempt = new LinkedHashMap<>(kept);
            attempt.put("_omitted", omitted);
            String text = write(attempt);
            if (text.length() <= MAX_CHARS) {
                return Optional.of(text);
            }
        }
        return Optional.of(write(Map.of("_omitted", omitted)));
    }

    private static String write(Object value) {
        try {
            return ASCII.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("metadata is not JSON-compatible", e);
        }
    }
}
