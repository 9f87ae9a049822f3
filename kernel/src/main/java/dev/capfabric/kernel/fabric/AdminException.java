package dev.capfabric.kernel.fabric;

import static java.util.Objects.requireNonNull;

/** An admin request that cannot be carried out, with the error kind its answer names. */
final class AdminException extends Exception {

    private final String kind;

    AdminException(String kind, String message) {
        super(message, null, false, false);
        this.kind = requireNonNull(kind, "kind is null");
    }

    /** A stable lowercase word: {@code bad_input}, {@code too_large}, {@code not_found}, {@code conflict} ... */
    String kind() {
        return kind;
    }
}
