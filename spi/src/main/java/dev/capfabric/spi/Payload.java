package dev.capfabric.spi;

import java.nio.charset.StandardCharsets;

import static java.util.Objects.requireNonNull;

/**
 * Bytes with their media type: the input of a {@link Job} or the output of a {@link Result}.
 *
 * <p>The byte array is handed over, not copied, because payloads are audio and images that can be
 * many megabytes. Neither side modifies it after handing it over.
 *
 * @param mediaType the media type, such as {@code audio/wav} or {@code application/json};
 *                  parameters such as {@code charset} may follow a {@code ;}
 * @param bytes     the content
 */
public record Payload(String mediaType, byte[] bytes) {

    /** The media type of JSON payloads. */
    public static final String JSON = "application/json";
    /** The media type of plain UTF-8 text payloads. */
    public static final String TEXT = "text/plain; charset=utf-8";
    /** The media type used when the sender named none. */
    public static final String OCTETS = "application/octet-stream";

    public Payload {
        requireNonNull(mediaType, "mediaType is null");
        requireNonNull(bytes, "bytes is null");
    }

    /** A payload with no content. */
    public static Payload empty() {
        return new Payload(OCTETS, new byte[0]);
    }

    /** A UTF-8 text payload. */
    public static Payload text(String text) {
        return new Payload(TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The media type without parameters, lowercased: {@code "Audio/WAV; rate=16000"} gives {@code audio/wav}. */
    public String baseType() {
        int semicolon = mediaType.indexOf(';');
        String base = semicolon < 0 ? mediaType : mediaType.substring(0, semicolon);
        return base.strip().toLowerCase(java.util.Locale.ROOT);
    }

    /** The content decoded as UTF-8. */
    public String asText() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** The number of content bytes. */
    public int size() {
        return bytes.length;
    }

    @Override
    public String toString() {
        return "Payload[" + mediaType + ", " + bytes.length + " bytes]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Payload other
                && mediaType.equals(other.mediaType)
                && java.util.Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return 31 * mediaType.hashCode() + java.util.Arrays.hashCode(bytes);
    }
}
