package dev.capfabric.kernel.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import dev.capfabric.kernel.node.RuntimeMeters;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * {@code GET /metrics}: the node's meters in the Prometheus text format. A scrape waits (a few seconds at
 * most) for the JVM's meters, which the node binds once it serves, so that none ever lacks them.
 */
public final class MetricsService implements HttpService {

    private static final Duration RUNTIME_METERS_WAIT = Duration.ofSeconds(5);

    private final PrometheusMeterRegistry registry;
    private final RuntimeMeters runtimeMeters;

    public MetricsService(PrometheusMeterRegistry registry, RuntimeMeters runtimeMeters) {
        this.registry = requireNonNull(registry, "registry is null");
        this.runtimeMeters = requireNonNull(runtimeMeters, "runtimeMeters is null");
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", (request, response) -> {
            runtimeMeters.awaitBound(RUNTIME_METERS_WAIT);
            response.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
            response.send(registry.scrape());
        });
    }
}
