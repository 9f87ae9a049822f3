package dev.capfabric.kernel.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import static java.util.Objects.requireNonNull;

/** {@code GET /metrics}: the node's meters in the Prometheus text format. */
public final class MetricsService implements HttpService {

    private final PrometheusMeterRegistry registry;

    public MetricsService(PrometheusMeterRegistry registry) {
        this.registry = requireNonNull(registry, "registry is null");
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", (request, response) -> {
            response.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
            response.send(registry.scrape());
        });
    }
}
