package dev.capfabric.kernel.http;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * What to do with the first bytes of a connection before Helidon parses them.
 *
 * <p>Helidon's HTTP/1 server closes a connection without a word when its first line is not an HTTP/1.1
 * request line: HTTP/1.0, a leading empty line, LF-only line ends, a line longer than it looks at.
 * This class decides instead: empty lines before the request line are skipped (RFC 9112 §2.2), an
 * HTTP/1.0 request is handed on as HTTP/1.1 with {@code Connection: close} (and a {@code Host} when it
 * has none), and anything else that is not an HTTP/1.1 request line is refused with a status and a
 * reason, which the caller answers as a JSON error before closing.
 */
final class FirstRequestLine {

    /** The longest request line accepted; Helidon is set to the same (longer is 414). */
    static final int MAX_LINE = 8 * 1024;
    /** The longest HTTP/1.0 request head that is rewritten (longer is 431). */
    static final int MAX_HEAD = 16 * 1024;

    /** The outcome of looking at the bytes read so far. */
    sealed interface Decision {
    }

    /** More bytes are needed to decide. */
    record NeedMore() implements Decision {
    }

    /** Hand these bytes to Helidon in place of those read so far. */
    record Pass(byte[] bytes) implements Decision {
    }

    /** Refuse with this status and reason, then close. */
    record Refuse(int status, String reason, String message) implements Decision {
    }

    private static final byte[] HTTP_1_1 = "HTTP/1.1".getBytes(StandardCharsets.US_ASCII);
    private static final NeedMore NEED_MORE = new NeedMore();

    private FirstRequestLine() {
    }

    /**
     * @param bytes the connection's first bytes, all of those read so far
     * @return whether to hand them on (perhaps rewritten), refuse them, or read more first
     */
    static Decision inspect(byte[] bytes) {
        int start = 0;
        while (start < bytes.length && (bytes[start] == '\r' || bytes[start] == '\n')) {
            start++;
        }
        int lf = indexOf(bytes, (byte) '\n', start);
        if (lf < 0) {
            return bytes.length - start > MAX_LINE
                    ? new Refuse(414, "URI Too Long", "the request line is longer than " + MAX_LINE + " bytes")
                    : NEED_MORE;
        }
        if (lf - start > MAX_LINE + 1) {
            return new Refuse(414, "URI Too Long", "the request line is longer than " + MAX_LINE + " bytes");
        }
        if (lf == start || bytes[lf - 1] != '\r') {
            return new Refuse(400, "Bad Request", "request lines must end with CR LF");
        }
        String line = new String(bytes, start, lf - 1 - start, StandardCharsets.ISO_8859_1);
        String[] parts = line.split(" ", -1);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || !isToken(parts[0])) {
            return new Refuse(400, "Bad Request", "malformed request line; want: METHOD target HTTP/1.1");
        }
        String version = parts[2];
        if (version.equals("HTTP/1.1")) {
            return new Pass(start == 0 ? bytes : Arrays.copyOfRange(bytes, start, bytes.length));
        }
        if (version.equals("HTTP/1.0")) {
            return http10(bytes, start, lf);
        }
        if (version.matches("HTTP/\\d\\.\\d")) {
            return new Refuse(505, "HTTP Version Not Supported", "HTTP version " + version.substring(5) + " is not supported; use HTTP/1.1");
        }
        return new Refuse(400, "Bad Request", "malformed request line; want: METHOD target HTTP/1.1");
    }

    /** An HTTP/1.0 request as HTTP/1.1 that closes after its answer, once its head is complete. */
    private static Decision http10(byte[] bytes, int start, int lineEnd) {
        int headEnd = indexOf(bytes, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), lineEnd - 1);
        if (headEnd < 0) {
            return bytes.length - start > MAX_HEAD
                    ? new Refuse(431, "Request Header Fields Too Large", "the request head is longer than " + MAX_HEAD + " bytes")
                    : NEED_MORE;
        }
        String fields = new String(bytes, lineEnd + 1, headEnd + 2 - (lineEnd + 1), StandardCharsets.ISO_8859_1);
        boolean hasHost = ("\r\n" + fields.toLowerCase(Locale.ROOT)).contains("\r\nhost:");
        byte[] added = ("Connection: close\r\n" + (hasHost ? "" : "Host: localhost\r\n")).getBytes(StandardCharsets.US_ASCII);
        int versionAt = lineEnd - 1 - HTTP_1_1.length;
        byte[] out = new byte[bytes.length - start + added.length];
        int at = 0;
        System.arraycopy(bytes, start, out, at, versionAt - start);
        at += versionAt - start;
        System.arraycopy(HTTP_1_1, 0, out, at, HTTP_1_1.length);
        at += HTTP_1_1.length;
        out[at++] = '\r';
        out[at++] = '\n';
        System.arraycopy(added, 0, out, at, added.length);
        at += added.length;
        System.arraycopy(bytes, lineEnd + 1, out, at, bytes.length - (lineEnd + 1));
        return new Pass(out);
    }

    private static boolean isToken(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static int indexOf(byte[] bytes, byte[] what, int from) {
        outer:
        for (int i = Math.max(0, from); i <= bytes.length - what.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (bytes[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
