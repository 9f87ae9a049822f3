package dev.capfabric.kernel.openai;

import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.stream.EntityState;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.MimeTokenStream;
import org.apache.james.mime4j.stream.NameValuePair;
import org.apache.james.mime4j.stream.RawBody;
import org.apache.james.mime4j.stream.RawField;
import org.apache.james.mime4j.stream.RawFieldParser;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A {@code multipart/form-data} body (RFC 7578), parsed by Apache James mime4j: its fields by name,
 * in order, a repeated name ({@code timestamp_granularities[]}) keeping every value.
 *
 * @param parts every part, in the order sent
 */
record MultipartForm(List<Part> parts) {

    /** At most this many parts: a form of these APIs has a dozen fields. */
    private static final int MAX_PARTS = 64;

    /**
     * One part.
     *
     * @param name        its field name
     * @param filename    its file name, for a file
     * @param contentType its media type as sent, if any
     * @param bytes       its content
     */
    record Part(String name, Optional<String> filename, Optional<String> contentType, byte[] bytes) {
        Part {
            requireNonNull(name, "name is null");
            requireNonNull(filename, "filename is null");
            requireNonNull(contentType, "contentType is null");
            requireNonNull(bytes, "bytes is null");
        }

        String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    MultipartForm {
        parts = List.copyOf(parts);
    }

    /** The first part with this name. */
    Optional<Part> part(String name) {
        return parts.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** The text of the first field with this name, blank values as absent. */
    Optional<String> text(String name) {
        return part(name).map(Part::text).map(String::strip).filter(s -> !s.isEmpty());
    }

    /** The texts of every field with this name. */
    List<String> texts(String name) {
        return parts.stream().filter(p -> p.name().equals(name)).map(Part::text).map(String::strip).toList();
    }

    /**
     * Parses a body.
     *
     * @param contentType the request's {@code Content-Type}, with its boundary
     * @throws IllegalArgumentException when the body is not a well-formed form
     */
    static MultipartForm parse(String contentType, byte[] body) {
        RawBody type = RawFieldParser.DEFAULT.parseRawBody(new RawField("Content-Type", contentType));
        if (!type.getValue().toLowerCase(Locale.ROOT).equals("multipart/form-data")) {
            throw new IllegalArgumentException("the body must be multipart/form-data, not " + type.getValue());
        }
        if (parameter(type.getParams(), "boundary").isEmpty()) {
            throw new IllegalArgumentException("Content-Type multipart/form-data names no boundary");
        }
        // the body is already bounded in size: no line or header limit should cut a file short
        MimeConfig config = MimeConfig.custom().setMaxLineLen(-1).setMaxHeaderLen(64 * 1024).setMaxHeaderCount(64)
                .setMaxContentLen(-1).setStrictParsing(false).build();
        MimeTokenStream stream = new MimeTokenStream(config);
        stream.parseHeadless(new ByteArrayInputStream(body), contentType);
        List<Part> parts = new ArrayList<>();
        Map<String, String> headers = new LinkedHashMap<>();
        try {
            for (EntityState state = stream.getState(); state != EntityState.T_END_OF_STREAM; state = stream.next()) {
                switch (state) {
                    case T_START_BODYPART -> headers.clear();
                    case T_FIELD -> {
                        Field field = stream.getField();
                        headers.put(field.getName().toLowerCase(Locale.ROOT), field.getBody());
                    }
                    case T_BODY -> {
                        if (parts.size() >= MAX_PARTS) {
                            throw new IllegalArgumentException("the form has more than " + MAX_PARTS + " fields");
                        }
                        parts.add(part(headers, stream.getDecodedInputStream().readAllBytes()));
                    }
                    default -> {
                    }
                }
            }
        } catch (MimeException e) {
            throw new IllegalArgumentException("malformed multipart body: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("malformed multipart body: no part found for its boundary");
        }
        return new MultipartForm(parts);
    }

    private static Part part(Map<String, String> headers, byte[] bytes) {
        String disposition = headers.get("content-disposition");
        if (disposition == null) {
            throw new IllegalArgumentException("a form part has no Content-Disposition");
        }
        RawBody parsed = RawFieldParser.DEFAULT.parseRawBody(new RawField("Content-Disposition", disposition));
        String name = parameter(parsed.getParams(), "name")
                .orElseThrow(() -> new IllegalArgumentException("a form part has no name"));
        return new Part(name, parameter(parsed.getParams(), "filename"),
                Optional.ofNullable(headers.get("content-type")).map(String::strip), bytes);
    }

    private static Optional<String> parameter(List<NameValuePair> parameters, String name) {
        return parameters.stream().filter(p -> p.getName().equalsIgnoreCase(name)).map(NameValuePair::getValue).findFirst();
    }
}
