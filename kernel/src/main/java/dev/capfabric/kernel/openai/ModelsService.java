package dev.capfabric.kernel.openai;

import dev.capfabric.kernel.http.Json;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}}: the models the fleet serves now, in
 * OpenAI's shape, each also saying its capability and the nodes that serve it.
 */
final class ModelsService implements HttpService {

    /**
     * One model.
     *
     * @param id           what apps send as {@code model}
     * @param object       always {@code model}
     * @param created      when this node started, Unix seconds (the fleet does not know when a model appeared)
     * @param ownedBy      always {@code capfabric}
     * @param capability   the capability its jobs run
     * @param nodes        the nodes that serve it now
     */
    record Model(String id, String object, long created, String ownedBy, String capability, List<String> nodes) {
    }

    /** @param data the models */
    record ModelList(String object, List<Model> data) {
    }

    private final ModelCatalog catalog;
    private final long created;

    ModelsService(ModelCatalog catalog, long created) {
        this.catalog = requireNonNull(catalog, "catalog is null");
        this.created = created;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .get("/{id}", (request, response) -> FrontDoor.answer(response, () -> one(request, response)));
    }

    private void list(ServerRequest request, ServerResponse response) {
        List<Model> models = catalog.models().values().stream().map(this::model).toList();
        Json.send(response, Status.OK_200, new ModelList("list", models));
    }

    private void one(ServerRequest request, ServerResponse response) {
        String id = request.path().pathParameters().get("id");
        FleetModel model = catalog.find(id).orElseThrow(() -> OpenAiError.modelNotFound(id, ""));
        Json.send(response, Status.OK_200, model(model));
    }

    private Model model(FleetModel model) {
        return new Model(model.id(), "model", created, "capfabric", model.capability().name(), model.nodes());
    }
}
