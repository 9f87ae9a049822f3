package dev.capfabric.kernel.openai;

import dev.capfabric.spi.Capability;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A model id of {@code /v1/models} and what a job for it carries so that the route finds a node that
 * has it: a provider's model ({@code model} parameter), a provider named as a model ({@code provider}
 * parameter, for engines without models such as flite), or an alias.
 *
 * @param id         the id apps send
 * @param capability the capability its jobs run
 * @param provider   the provider its jobs must run on, if any
 * @param model      the model its jobs ask for, if any
 * @param nodes      the nodes that serve it now
 */
record FleetModel(String id, Capability capability, Optional<String> provider, Optional<String> model, List<String> nodes) {

    FleetModel {
        requireNonNull(id, "id is null");
        requireNonNull(capability, "capability is null");
        requireNonNull(provider, "provider is null");
        requireNonNull(model, "model is null");
        nodes = List.copyOf(nodes);
    }

    /** The job parameters that select this model. */
    Map<String, String> jobParameters() {
        Map<String, String> parameters = new LinkedHashMap<>();
        provider.ifPresent(p -> parameters.put("provider", p));
        model.ifPresent(m -> parameters.put("model", m));
        return parameters;
    }
}
