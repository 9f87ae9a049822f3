package dev.capfabric.kernel.openai;

import dev.capfabric.spi.Capability;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A model name apps hard-code ({@code whisper-1}, {@code tts-1}, {@code dall-e-2} ...) standing for
 * what the fleet has: a capability, optionally narrowed to one provider or one model.
 *
 * @param id         the alias, as apps send it
 * @param capability the capability it runs
 * @param provider   the provider it must run on, if any
 * @param model      the fleet model it stands for, if any
 */
public record ModelAlias(String id, Capability capability, Optional<String> provider, Optional<String> model) {

    public ModelAlias {
        requireNonNull(id, "id is null");
        requireNonNull(capability, "capability is null");
        requireNonNull(provider, "provider is null");
        requireNonNull(model, "model is null");
    }

    static ModelAlias of(String id, String capability) {
        return new ModelAlias(id, Capability.of(capability), Optional.empty(), Optional.empty());
    }
}
