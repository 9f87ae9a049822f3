package dev.capfabric.kernel.http;

import dev.capfabric.kernel.auth.ApiKey;
import dev.capfabric.kernel.auth.ApiKeys;
import dev.capfabric.kernel.auth.Caller;
import dev.capfabric.kernel.auth.FailedAttempts;
import dev.capfabric.kernel.auth.RouteScopes;
import dev.capfabric.kernel.auth.Scope;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The one check in front of every route: which scope the route needs comes from {@link RouteScopes},
 * the key from {@code Authorization: Bearer <key>} or {@code X-Api-Key}.
 *
 * <ul>
 *     <li>no key, or a key the keys file does not hold: 401 {@code unauthorized} with
 *     {@code WWW-Authenticate: Bearer};</li>
 *     <li>a key without the route's scope: 403 {@code forbidden};</li>
 *     <li>a client address that failed too often lately: 429 {@code rate_limited} with {@code Retry-After},
 *     before its key is even looked at;</li>
 *     <li>with no keys file the node stays open, except {@code /admin/*}, which always needs an
 *     {@code admin} key and so answers 403 until keys are configured.</li>
 * </ul>
 * Every refusal is counted in {@code capfabric_http_auth_failures_total{reason}} and written in the
 * route's shape ({@link RefusalShapes}: OpenAI's on the OpenAI-compatible routes). An accepted request
 * is served with its {@link Caller} (the key's name) as {@link Caller#current()}, for audit lines.
 */
public final class ApiKeyFilter implements Filter {

    private static final HeaderName API_KEY = HeaderNames.create("X-Api-Key");

    private final Optional<ApiKeys> keys;
    private final RouteScopes routes;
    private final FailedAttempts failures;
    private final Map<String, Counter> refused;
    private final RefusalShapes shapes;

    public ApiKeyFilter(Optional<ApiKeys> keys, RouteScopes routes, FailedAttempts failures, MeterRegistry meters) {
        this(keys, routes, failures, meters, RefusalShapes.CAPFABRIC);
    }

    /** @param shapes how refusals read on routes that speak another API's error shape */
    public ApiKeyFilter(Optional<ApiKeys> keys, RouteScopes routes, FailedAttempts failures, MeterRegistry meters,
                        RefusalShapes shapes) {
        this.shapes = requireNonNull(shapes, "shapes is null");
        this.keys = requireNonNull(keys, "keys is null");
        this.routes = requireNonNull(routes, "routes is null");
        this.failures = requireNonNull(failures, "failures is null");
        this.refused = Map.of(
                "missing", counter(meters, "missing"),
                "unknown", counter(meters, "unknown"),
                "scope", counter(meters, "scope"),
                "limited", counter(meters, "limited"),
                "no_keys", counter(meters, "no_keys"));
    }

    private static Counter counter(MeterRegistry meters, String reason) {
        return Counter.builder("capfabric.http.auth.failures")
                .description("HTTP requests refused by the API key check, by reason")
                .tag("reason", reason)
                .register(meters);
    }

    /**
     * The {@link Caller} of a request that passed this filter, as its handlers (on the request's thread)
     * see it: {@link Caller#current()}. Not kept in the request's Helidon context, whose making costs
     * more per request than the whole key check.
     */
    public static Caller caller(io.helidon.webserver.http.ServerRequest request) {
        return Caller.current();
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        RouteScopes.Access access = routes.access(request.prologue().method().text().toUpperCase(Locale.ROOT), request.path().path());
        if (access.open()) {
            chain.proceed();
            return;
        }
        Scope scope = access.scope().orElseThrow();
        if (keys.isEmpty()) {
            if (scope == Scope.ADMIN) {
                refuse(request, response, new RefusalShapes.Refusal(403, "forbidden", "no_keys",
                        "this route needs an API key with scope 'admin', and this node has no keys configured (capfabric.http.keys-file)"));
                return;
            }
            chain.proceed();
            return;
        }
        // the common case (nobody failed lately) spares formatting the client's address on every request
        if (!failures.none()) {
            String address = address(request.remotePeer().address());
            Optional<Duration> wait = failures.blocked(address);
            if (wait.isPresent()) {
                response.header(HeaderNames.RETRY_AFTER, String.valueOf(Math.max(1, (wait.get().toMillis() + 999) / 1000)));
                refuse(request, response, new RefusalShapes.Refusal(429, "rate_limited", "limited",
                        "too many failed API key checks from " + address + "; try again later"));
                return;
            }
        }
        Optional<String> presented = presented(request);
        if (presented.isEmpty()) {
            response.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"capfabric\"");
            refuse(request, response, new RefusalShapes.Refusal(401, "unauthorized", "missing", "this route needs an API key with scope '"
                    + scope.wireName() + "': send it as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'"));
            return;
        }
        Optional<ApiKey> key = keys.get().find(presented.get());
        if (key.isEmpty()) {
            failures.failed(address(request.remotePeer().address()));
            response.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"capfabric\", error=\"invalid_token\"");
            refuse(request, response, new RefusalShapes.Refusal(401, "unauthorized", "unknown", "the API key is not known to this node"));
            return;
        }
        if (!key.get().allows(scope)) {
            refuse(request, response, new RefusalShapes.Refusal(403, "forbidden", "scope",
                    "API key '" + key.get().name() + "' lacks scope '" + scope.wireName() + "' for this route"));
            return;
        }
        Caller caller = new Caller(key.get().name());
        // route handlers run on this thread within proceed(): they (and what they call) see the caller
        ScopedValue.where(Caller.CURRENT, caller).run(chain::proceed);
    }

    private void refuse(RoutingRequest request, RoutingResponse response, RefusalShapes.Refusal refusal) {
        refused.get(refusal.reason()).increment();
        if (!shapes.send(request.path().path(), response, refusal)) {
            ApiError.of(refusal.kind(), refusal.message()).send(response, refusal.status());
        }
    }

    private static Optional<String> presented(RoutingRequest request) {
        Optional<String> authorization = request.headers().first(HeaderNames.AUTHORIZATION).map(String::strip);
        if (authorization.isPresent()) {
            String value = authorization.get();
            // the scheme is case-insensitive (RFC 9110); anything but Bearer counts as no key
            if (value.length() > 7 && value.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return Optional.of(value.substring(7).strip()).filter(s -> !s.isEmpty());
            }
            return Optional.empty();
        }
        return request.headers().first(API_KEY).map(String::strip).filter(s -> !s.isEmpty());
    }

    private static String address(SocketAddress address) {
        return address instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress()
                : String.valueOf(address);
    }
}
