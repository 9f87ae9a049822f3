package dev.capfabric.plugin.stt.whisper;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;

import static java.util.Objects.requireNonNull;

/**
 * A {@code multipart/form-data} body (RFC 7578) of text fields and one file, built in memory: the
 * audio is bounded by the provider's input limit, so there is nothing to stream.
 */
final class MultipartForm {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String boundary;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();

    MultipartForm() {
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        boundary = "capfabric-" + HexFormat.of().formatHex(random);
    }

    /** The value of the request's {@code Content-Type} header. */
    String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    MultipartForm field(String name, String value) {
        requireNonNull(value, "value is null");
        header("Content-Disposition: form-data; name=\"" + name + "\"");
        write("\r\n");
        write(value);
        write("\r\n");
        return this;
    }

    MultipartForm file(String name, String fileName, String mediaType, byte[] content) {
        header("Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + fileName + "\"");
        write("Content-Type: " + mediaType + "\r\n\r\n");
        body.writeBytes(content);
        write("\r\n");
        return this;
    }

    /** The finished body; the form takes no more parts after this. */
    byte[] toBytes() {
        write("--" + boundary + "--\r\n");
        return body.toByteArray();
    }

    private void header(String disposition) {
        write("--" + boundary + "\r\n");
        write(disposition + "\r\n");
    }

    private void write(String text) {
        body.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }
}
