package dev.capfabric.kernel.http;

import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.ServerResponseHeaders;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last look at an answer's headers before they are written: a header whose name is not an HTTP
 * token, or whose value holds a control character (CR, LF, NUL, DEL ...) or a character past Latin-1,
 * is dropped, with a warning, rather than written, so no text that reaches a header can split the
 * answer or add headers of its own.
 *
 * <p>Helidon can check every answer header as it writes it ({@code validate-response-headers}, on by
 * default), but that cost about a tenth of a small job's CPU (docs/BENCHMARKS.md, Dispatch), spent
 * mostly on headers it adds itself. The node turns it off ({@link ClientConnections#http1}) and checks
 * here instead, in one pass over what routes and features set, values from plugins (a provider's media
 * type) and from peers (the node and provider named in an outcome) included. Headers Helidon adds
 * after this look ({@code Content-Length}, {@code Date}, {@code Connection}) are its own.
 */
final class AnswerHeaders {

    private static final System.Logger LOG = System.getLogger(AnswerHeaders.class.getName());
    /** Header names already warned about: a plugin that answers a bad media type every time is logged once. */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
    private static final int MAX_WARNED = 64;

    private AnswerHeaders() {
    }

    /** Removes every header that is not safe to write as it is. */
    static void dropUnsafe(ServerResponseHeaders headers) {
        List<HeaderName> unsafe = null;
        for (Header header : headers) {
            if (!safe(header)) {
                if (unsafe == null) {
                    unsafe = new ArrayList<>(2);
                }
                unsafe.add(header.headerName());
            }
        }
        if (unsafe == null) {
            return;
        }
        for (HeaderName name : unsafe) {
            headers.remove(name);
            String shown = safeName(name.defaultCase()) ? name.defaultCase() : "(a name that is not an HTTP token)";
            if (WARNED.size() < MAX_WARNED && WARNED.add(shown)) {
                LOG.log(System.Logger.Level.WARNING, "dropped the answer header {0}: it holds characters an HTTP header "
                        + "must not (a plugin's media type, or a peer's id?); logged once per header name", shown);
            }
        }
    }

    static boolean safe(Header header) {
        if (!safeName(header.name())) {
            return false;
        }
        if (header.valueCount() == 1) {
            return safeValue(header.get());
        }
        for (String value : header.allValues()) {
            if (!safeValue(value)) {
                return false;
            }
        }
        return true;
    }

    /** The characters of an RFC 9110 token, by ASCII code. */
    private static final boolean[] TOKEN = new boolean[128];

    static {
        for (char c = 0; c < 128; c++) {
            TOKEN[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
        }
    }

    /** An RFC 9110 token: letters, digits and {@code !#$%&'*+-.^_`|~}, at least one. */
    static boolean safeName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 128 || !TOKEN[c]) {
                return false;
            }
        }
        return true;
    }

    /** An RFC 9110 field value as Latin-1 text: visible characters, spaces and tabs; no other control character. */
    static boolean safeValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                return false;
            }
        }
        return true;
    }
}
