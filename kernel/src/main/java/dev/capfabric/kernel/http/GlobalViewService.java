package dev.capfabric.kernel.http;

import dev.capfabric.kernel.fabric.FabricView;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;

import static java.util.Objects.requireNonNull;

/**
 * {@code GET /v1/capabilities}: the global view, every node of the fabric with its capabilities, load,
 * status and age, and per capability the nodes that have it. {@code ?fresh=true} runs a discovery
 * first (bounded by the discovery window).
 */
public final class GlobalViewService implements HttpService {

    private final FabricView fabric;

    public GlobalViewService(FabricView fabric) {
        this.fabric = requireNonNull(fabric, "fabric is null");
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", (request, response) -> Json.send(request, response, Status.OK_200, fabric.globalView(fresh(request))));
    }

    static boolean fresh(ServerRequest request) {
        return request.query().contains("fresh") && "true".equalsIgnoreCase(request.query().get("fresh").strip());
    }
}
