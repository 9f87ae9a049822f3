package dev.capfabric.kernel.http;

import dev.capfabric.kernel.fabric.FabricView;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

import static java.util.Objects.requireNonNull;

/**
 * {@code GET /v1/nodes}: the node registry, every node with its status ({@code ok}, {@code stale},
 * {@code gone}, {@code unknown}, {@code draining}), age, capabilities and load. {@code ?fresh=true}
 * runs a discovery first.
 */
public final class NodesService implements HttpService {

    private final FabricView fabric;

    public NodesService(FabricView fabric) {
        this.fabric = requireNonNull(fabric, "fabric is null");
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", (request, response) -> Json.send(request, response, Status.OK_200, fabric.nodes(GlobalViewService.fresh(request))));
    }
}
