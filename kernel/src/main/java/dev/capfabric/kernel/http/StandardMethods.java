package dev.capfabric.kernel.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * {@code HEAD} and {@code OPTIONS} on every route, which Helidon's routing does not give by itself.
 *
 * <ul>
 *     <li>{@code HEAD} runs the route's {@code GET} and answers its status and headers without the
 *     body (RFC 9110, 9.3.2). Helidon counts the bytes that reach the connection, so
 *     {@code Content-Length} says 0 rather than the GET's length;</li>
 *     <li>{@code OPTIONS} answers 204 with {@code Allow} listing the methods of the route, or of the
 *     whole server for {@code OPTIONS *}; a path no route serves goes on to the routing's 404. A CORS
 *     preflight (with {@code Origin} and {@code Access-Control-Request-Method}) is left to the CORS
 *     feature when one is configured.</li>
 * </ul>
 */
public final class StandardMethods implements Filter {

    /** Marks a request that came as {@code HEAD} (its prologue now says {@code GET}). */
    private static final Object HEAD = new Object();

    private final Map<String, String> allowByPrefix;
    private final boolean corsEnabled;

    /**
     * @param allowByPrefix per path (exact, or a prefix ending in {@code /}; {@code /} itself is exact), the methods its routes
     *                      answer; the longest match wins
     * @param corsEnabled   whether a CORS feature answers preflights
     */
    public StandardMethods(Map<String, String> allowByPrefix, boolean corsEnabled) {
        this.allowByPrefix = Map.copyOf(requireNonNull(allowByPrefix, "allowByPrefix is null"));
        this.corsEnabled = corsEnabled;
    }

    /** The routes of a node, as {@code Kernel} registers them. */
    public static Map<String, String> kernelRoutes() {
        Map<String, String> routes = new LinkedHashMap<>();
        for (String read : new String[]{"/caps", "/capabilities/installed", "/v1/capabilities", "/v1/nodes", "/metrics",
                "/health", "/health/live", "/health/ready"}) {
            routes.put(read, "GET, HEAD, OPTIONS");
        }
        routes.put("/v1/capability/", "POST, OPTIONS");
        routes.put("/v1/jobs", "GET, HEAD, OPTIONS");
        routes.put("/v1/jobs/", "GET, HEAD, POST, DELETE, OPTIONS");
        // the operator console: its pages, its live fleet feed and any node's /caps as this node heard it
        for (String page : new String[]{"/", "/index.html", "/ui/", "/v1/nodes/events", "/v1/nodes/"}) {
            routes.put(page, "GET, HEAD, OPTIONS");
        }
        routes.put("/admin/plugins", "GET, HEAD, OPTIONS");
        routes.put("/admin/", "POST, OPTIONS");
        routes.put("/admin/nodes/", "GET, HEAD, POST, OPTIONS");
        return routes;
    }

    /**
     * Whether the request came as {@code HEAD}: its route runs as {@code GET} with the body dropped,
     * which a route that never ends its body (an event stream) must know.
     */
    public static boolean isHead(io.helidon.webserver.http.ServerRequest request) {
        return request.context().get(HEAD, Boolean.class).orElse(false);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        HttpPrologue prologue = request.prologue();
        Method method = prologue.method();
        if (method == Method.OPTIONS) {
            options(chain, request, response);
        } else if (method == Method.HEAD) {
            request.context().register(HEAD, Boolean.TRUE);
            request.prologue(HttpPrologue.create(prologue.rawProtocol(), prologue.protocol(), prologue.protocolVersion(),
                    Method.GET, prologue.uriPath(), prologue.query(), prologue.fragment()));
            response.streamFilter(body -> new HeadersOnly(body, response));
            chain.proceed();
        } else {
            chain.proceed();
        }
    }

    private void options(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        if (corsEnabled && request.headers().contains(HeaderNames.ORIGIN)
                && request.headers().contains(HeaderNames.ACCESS_CONTROL_REQUEST_METHOD)) {
            chain.proceed();
            return;
        }
        String path = request.prologue().uriPath().path();
        Optional<String> allow = path.equals("*") ? Optional.of("GET, HEAD, POST, OPTIONS") : allowed(path);
        if (allow.isEmpty()) {
            chain.proceed();
            return;
        }
        response.header(HeaderNames.ALLOW, allow.get());
        response.status(Status.NO_CONTENT_204);
        response.send();
    }

    private Optional<String> allowed(String path) {
        String best = null;
        for (String route : allowByPrefix.keySet()) {
            // "/" alone is the root page, never a prefix of every path
            boolean prefix = route.endsWith("/") && route.length() > 1;
            boolean matches = prefix ? path.startsWith(route) && path.length() > route.length() : path.equals(route);
            if (matches && (best == null || route.length() > best.length())) {
                best = route;
            }
        }
        return Optional.ofNullable(best).map(allowByPrefix::get);
    }

    /**
     * The body of a HEAD answer: dropped, never written to the connection. Closing it commits the
     * response, as sending one without a stream filter does: the routing commits what a handler
     * streamed, but checks that a filter which answered itself (the key check) has sent its answer.
     */
    private static final class HeadersOnly extends OutputStream {
        private final OutputStream wire;
        private final RoutingResponse response;

        HeadersOnly(OutputStream wire, RoutingResponse response) {
            this.wire = wire;
            this.response = response;
        }

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }

        @Override
        public void close() throws IOException {
            wire.close();
            response.commit();
        }
    }
}
