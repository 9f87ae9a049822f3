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

    public Caller {
        requireNonNull(keyId, "keyId is null");
    }
}
