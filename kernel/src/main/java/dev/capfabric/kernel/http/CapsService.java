package dev.capfabric.kernel.http;

import dev.capfabric.kernel.node.NodeDescriber;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

import static java.util.Objects.requireNonNull;

/** {@code GET /caps}: what this node is and can do. */
public final class CapsService implements HttpService {

    private final NodeDescriber describer;

    public CapsService(NodeDescriber describer) {
        this.describer = requireNonNull(describer, "describer is null");
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", (request, response) -> Json.send(request, response, Status.OK_200, describer.describe()));
    }
}
