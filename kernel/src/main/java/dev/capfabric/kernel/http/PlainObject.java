package dev.capfabric.kernel.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parameters of the plainest JSON bodies, read without a parser: one object of fields whose names and
 * string values are printable ASCII without escapes, and whose other values are numbers, {@code true},
 * {@code false} or {@code null}, such as {@code {"text":"hello","speed":1.5}}. What most clients send.
 *
 * <p>Anything else (an escape, a character past ASCII, a nested value, a long number, a body over
 * {@value #MOST_BYTES} bytes, or anything malformed) gives {@code null}, and the body is read by Jackson
 * ({@link JsonParameters}), whose reading this matches field for field where it answers. Making a Jackson
 * parser for a small body allocated about 870 bytes and cost more than reading it (docs/BENCHMARKS.md,
 * Dispatch).
 */
final class PlainObject {

    /** Larger bodies are Jackson's: this reader is for the small ones, where a parser's set-up dominates. */
    static final int MOST_BYTES = 4096;
    /** Longer numbers are Jackson's, which knows its own limits on them. */
    private static final int MOST_NUMBER_CHARS = 64;

    private final byte[] body;
    private int at;

    private PlainObject(byte[] body) {
        this.body = body;
    }

    /** The object's parameters as {@link JsonParameters#of} gives them, or {@code null} when Jackson must read it. */
    static Map<String, String> parameters(byte[] body) {
        return body.length <= MOST_BYTES ? new PlainObject(body).object() : null;
    }

    private Map<String, String> object() {
        if (next() != '{') {
            return null;
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        int c = next();
        if (c == '}') {
            return next() == -1 ? parameters : null;
        }
        while (true) {
            if (c != '"') {
                return null;
            }
            String name = string();
            if (name == null || next() != ':') {
                return null;
            }
            c = next();
            if (c == '"') {
                String value = string();
                if (value == null) {
                    return null;
                }
                parameters.put(name, value);
            } else if (c == 'n') {
                if (!literal("null")) {
                    return null;
                }
                // skipped, as Jackson's reading skips it: an earlier value of the name stays
            } else if (c == 't' || c == 'f') {
                String literal = c == 't' ? "true" : "false";
                if (!literal(literal)) {
                    return null;
                }
                parameters.put(name, literal);
            } else {
                String number = number();
                if (number == null) {
                    return null;
                }
                parameters.put(name, number);
            }
            c = next();
            if (c == '}') {
                break;
            }
            if (c != ',') {
                return null;
            }
            c = next();
        }
        if (next() != -1) {
            return null;
        }
        return parameters;
    }

    /** The next byte that is not JSON white space, or -1 at the end. */
    private int next() {
        while (at < body.length) {
            int b = body[at++] & 0xff;
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return b;
            }
        }
        return -1;
    }

    /** The rest of a string whose opening quote was read, or {@code null} if it is not plain. */
    private String string() {
        int start = at;
        while (at < body.length) {
            byte b = body[at];
            if (b == '"') {
                String text = new String(body, start, at - start, StandardCharsets.ISO_8859_1);
                at++;
                return text;
            }
            if (b < 0x20 || b > 0x7e || b == '\\') {
                return null;
            }
            at++;
        }
        return null;
    }

    /** Whether the rest of {@code word}, whose first letter was read, follows. */
    private boolean literal(String word) {
        int rest = word.length() - 1;
        if (at + rest > body.length) {
            return false;
        }
        for (int i = 1; i <= rest; i++) {
            if (body[at++] != word.charAt(i)) {
                return false;
            }
        }
        return true; // what follows is checked by the caller, as after any value
    }

    /** A JSON number whose first character was read, as written, or {@code null}. */
    private String number() {
        int start = at - 1;
        at = start;
        if (peek() == '-') {
            at++;
        }
        if (peek() == '0') {
            at++;
        } else if (!digits()) {
            return null;
        }
        if (peek() == '.') {
            at++;
            if (!digits()) {
                return null;
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            at++;
            if (peek() == '+' || peek() == '-') {
                at++;
            }
            if (!digits()) {
                return null;
            }
        }
        return at - start > MOST_NUMBER_CHARS ? null : new String(body, start, at - start, StandardCharsets.ISO_8859_1);
    }

    private boolean digits() {
        int start = at;
        while (at < body.length && body[at] >= '0' && body[at] <= '9') {
            at++;
        }
        return at > start;
    }

    private int peek() {
        return at < body.length ? body[at] : -1;
    }
}
