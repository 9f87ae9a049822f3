package dev.capfabric.kernel.auth;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * The declared table of which scope each HTTP route needs: one place for every route, whoever adds
 * it. The first rule that matches a request's method and path decides; a path no rule names needs
 * {@link Scope#ADMIN} (deny by default), so a route added without a rule is closed, never open.
 *
 * <p>A pattern is an exact path ({@code /caps}) or a prefix ending in {@code /*}, which matches the
 * prefix itself and everything below it ({@code /v1/capability/*} matches {@code /v1/capability}
 * and {@code /v1/capability/stt}).
 */
public final class RouteScopes {

    /** What a route needs: nothing ({@code scope} empty) or a key with this scope. */
    public record Access(Optional<Scope> scope) {
        public static final Access OPEN = new Access(Optional.empty());

        public static Access of(Scope scope) {
            return new Access(Optional.of(scope));
        }

        public boolean open() {
            return scope.isEmpty();
        }
    }

    /**
     * One row of the table.
     *
     * @param methods the methods it covers (upper case); empty for every method
     * @param pattern an exact path or a prefix ending in {@code /*}
     * @param access  what the route needs
     */
    public record Rule(Set<String> methods, String pattern, Access access) {
        public Rule {
            methods = Set.copyOf(methods);
            requireNonNull(pattern, "pattern is null");
            requireNonNull(access, "access is null");
            if (!pattern.startsWith("/")) {
                throw new IllegalArgumentException("a pattern starts with '/': " + pattern);
            }
        }

        boolean matches(String method, String path) {
            if (!methods.isEmpty() && !methods.contains(method)) {
                return false;
            }
            if (pattern.endsWith("/*")) {
                // the prefix, alone or followed by '/': compared in place, as this runs for every request
                int prefix = pattern.length() - 2;
                return path.regionMatches(0, pattern, 0, prefix)
                        && (path.length() == prefix || path.length() > prefix && path.charAt(prefix) == '/');
            }
            return path.equals(pattern);
        }
    }

    private static final Access DEFAULT = Access.of(Scope.ADMIN);

    private final List<Rule> rules;
    // the rules that may match a path, by the path's first segment, in table order: a request looks at a few, not all
    private final Map<String, List<Rule>> bySegment;
    // the rules that match whatever the first segment is (pattern "/*")
    private final List<Rule> everyPath;

    public RouteScopes(List<Rule> rules) {
        this.rules = List.copyOf(rules);
        this.everyPath = this.rules.stream().filter(RouteScopes::matchesEveryPath).toList();
        Map<String, List<Rule>> index = new HashMap<>();
        for (Rule rule : this.rules) {
            if (!matchesEveryPath(rule)) {
                index.computeIfAbsent(firstSegment(rule.pattern()), segment -> this.rules.stream()
                        .filter(r -> matchesEveryPath(r) || firstSegment(r.pattern()).equals(segment)).toList());
            }
        }
        this.bySegment = Map.copyOf(index);
    }

    private static boolean matchesEveryPath(Rule rule) {
        return rule.pattern().equals("/*");
    }

    /** What comes after the leading {@code /} up to the next one ({@code /v1/capability/*}: {@code v1}). */
    private static String firstSegment(String path) {
        if (path.isEmpty() || path.charAt(0) != '/') {
            return path;
        }
        int slash = path.indexOf('/', 1);
        return path.substring(1, slash < 0 ? path.length() : slash);
    }

    /**
     * capfabric's routes.
     *
     * @param openHealth  whether {@code /health} needs no key (else {@code read})
     * @param openMetrics whether {@code /metrics} needs no key (else {@code read})
     */
    public static RouteScopes defaults(boolean openHealth, boolean openMetrics) {
        Access read = Access.of(Scope.READ);
        Access jobs = Access.of(Scope.JOBS);
        Set<String> any = Set.of();
        Set<String> reading = Set.of("GET", "HEAD");
        List<Rule> rules = new ArrayList<>();
        // CORS preflights carry no credentials by design; they run nothing
        rules.add(new Rule(Set.of("OPTIONS"), "/*", Access.OPEN));
        rules.add(new Rule(any, "/health/*", openHealth ? Access.OPEN : read));
        rules.add(new Rule(any, "/metrics", openMetrics ? Access.OPEN : read));
        // the static dashboard: its pages hold no data, the API calls they make need keys
        rules.add(new Rule(reading, "/", Access.OPEN));
        rules.add(new Rule(reading, "/index.html", Access.OPEN));
        rules.add(new Rule(reading, "/favicon.ico", Access.OPEN));
        rules.add(new Rule(reading, "/ui/*", Access.OPEN));
        rules.add(new Rule(reading, "/assets/*", Access.OPEN));
        rules.add(new Rule(any, "/caps", read));
        rules.add(new Rule(any, "/capabilities/installed", read));
        rules.add(new Rule(any, "/v1/capabilities", read));
        rules.add(new Rule(any, "/v1/nodes/*", read));
        rules.add(new Rule(any, "/v1/models/*", read));
        rules.add(new Rule(any, "/v1/capability/*", jobs));
        rules.add(new Rule(any, "/v1/audio/*", jobs));
        // images of response_format "url" answers: each name is 128 random bits handed only to the caller who
        // made the image, and expires; browsers and apps fetch these URLs without a key, as OpenAI's are fetched
        rules.add(new Rule(reading, "/v1/images/files/*", Access.OPEN));
        rules.add(new Rule(any, "/v1/images/*", jobs));
        rules.add(new Rule(any, "/v1/ocr/*", jobs));
        rules.add(new Rule(any, "/v1/jobs/*", jobs));
        rules.add(new Rule(any, "/admin/*", Access.of(Scope.ADMIN)));
        return new RouteScopes(rules);
    }

    /** What a request with this method and path needs. */
    public Access access(String method, String path) {
        for (Rule rule : bySegment.getOrDefault(firstSegment(path), everyPath)) {
            if (rule.matches(method, path)) {
                return rule.access();
            }
        }
        return DEFAULT;
    }

    public List<Rule> rules() {
        return rules;
    }
}
