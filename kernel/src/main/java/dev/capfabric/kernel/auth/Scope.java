package dev.capfabric.kernel.auth;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * What an API key may do. Each HTTP route needs one scope, or none ({@link RouteScopes} says which).
 */
public enum Scope {
    /** Run jobs: {@code /v1/capability/*}, the OpenAI-compatible routes, {@code /v1/jobs}. */
    JOBS,
    /** Read the node and the fabric: {@code /caps}, {@code /v1/nodes}, {@code /v1/capabilities}, {@code /v1/models} ... */
    READ,
    /** Drain, undrain, list, install and remove plugins: {@code /admin/*}. */
    ADMIN;

    /** The name in keys files and on the command line. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a comma-separated list such as {@code jobs,read}.
     *
     * @throws IllegalArgumentException naming the unknown scope, or when the list is empty
     */
    public static Set<Scope> parseList(String list) {
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String part : list.split(",")) {
            String name = part.strip();
            if (name.isEmpty()) {
                continue;
            }
            try {
                scopes.add(Scope.valueOf(name.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown scope '" + name + "': expected jobs, read or admin");
            }
        }
        if (scopes.isEmpty()) {
            throw new IllegalArgumentException("no scope given: expected one or more of jobs, read, admin");
        }
        return Set.copyOf(scopes);
    }
}
