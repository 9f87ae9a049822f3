package dev.capfabric.kernel.auth;

import static java.util.Objects.requireNonNull;

/**
 * Who made a request, for audit lines: the name (id) of the API key it carried, never the key.
 * {@link #ANONYMOUS} when the node has no keys configured or the route is open.
 *
 * @param keyId the key's name from the keys file, or {@code -}
 */
public record Caller(String keyId) {

    public static final Caller ANONYMOUS = new Caller("-");

    /**
     * The caller of the request this thread serves: bound by the HTTP key check around the route
     * handlers, so whatever a handler calls (routing, offloading) can name the caller in its audit line.
     */
    public static final ScopedValue<Caller> CURRENT = ScopedValue.newInstance();

    /** The caller bound to this thread, or {@link #ANONYMOUS}. */
    public static Caller current() {
        return CURRENT.orElse(ANONYMOUS);
    }

    /** Whether this caller is an API key (not anonymous). */
    public boolean isKey() {
        return !equals(ANONYMOUS);
    }

    public Caller {
        requireNonNull(keyId, "keyId is null");
    }
}
