package dev.capfabric.kernel.http;

import dev.capfabric.kernel.config.InvalidSettingsException;
import io.helidon.config.Config;
import io.helidon.webserver.cors.CorsFeature;
import io.helidon.webserver.cors.CorsPathConfig;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * CORS for browser pages served from other origins: off unless {@code capfabric.cors.allowed-origins}
 * ({@code CAPFABRIC_CORS_ALLOWED_ORIGINS}, comma-separated) names them. Then Helidon's CORS feature
 * answers preflights and adds the {@code Access-Control-*} headers for those origins on every route
 * and exposes capfabric's own response headers to the page's script; {@code *} allows any origin.
 */
public final class CrossOrigin {

    /** The response headers a page's script may read. */
    static final Set<String> EXPOSED = Set.of("X-Capfabric-Node", "X-Capfabric-Provider", "X-Capfabric-Job-Id",
            MetadataHeader.NAME.defaultCase(), "Retry-After");

    private CrossOrigin() {
    }

    /** The allowed origins configured under {@code capfabric.cors}; empty when CORS is off. */
    public static Set<String> allowedOrigins(Config cors) {
        Config node = cors.get("allowed-origins");
        List<String> values = node.asList(String.class).orElseGet(() -> node.asString().map(s -> List.of(s.split(","))).orElse(List.of()));
        Set<String> origins = new LinkedHashSet<>();
        for (String value : values) {
            String origin = value.strip();
            if (origin.isEmpty()) {
                continue;
            }
            if (!origin.equals("*") && !origin.matches("https?://[^/\\s]+")) {
                throw new InvalidSettingsException("capfabric.cors.allowed-origins: '" + origin
                        + "' is not an origin (scheme://host[:port], no path) nor *");
            }
            origins.add(origin);
        }
        return origins;
    }

    /** Helidon's CORS feature for the configured origins; empty when none are (CORS off). */
    public static Optional<CorsFeature> feature(Config cors) {
        Set<String> origins = allowedOrigins(cors);
        if (origins.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(CorsFeature.builder()
                .addDefaults(false)
                .pathsDiscoverServices(false)
                .addPath(CorsPathConfig.builder()
                        .pathPattern("/*")
                        .allowOrigins(origins)
                        .allowMethods(Set.of("GET", "HEAD", "POST", "OPTIONS"))
                        .allowHeaders(Set.of("*"))
                        .exposeHeaders(EXPOSED)
                        .build())
                .build());
    }
}
