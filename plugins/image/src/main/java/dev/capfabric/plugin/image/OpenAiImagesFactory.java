package dev.capfabric.plugin.image;

import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.ProviderContext;
import dev.capfabric.spi.ProviderFactory;

/**
 * The {@code openai-images} provider: image generation through any server speaking the OpenAI images
 * API ({@code POST /v1/images/generations}), such as LocalAI, the stable-diffusion.cpp server or
 * OpenAI itself. Usable only where {@code capfabric.providers.openai-images.base-url} is set and the
 * server lists its models on {@code GET /v1/models}.
 *
 * <p>Besides the settings every remote image provider reads (see {@code BackendSettings}): {@code api-key},
 * sent as a bearer token to that server only; {@code response-format} ({@code b64_json} by default,
 * {@code url}, or {@code none} for servers that reject the field). The API has no steps or seed:
 * jobs asking for them are refused with 422.
 */
public final class OpenAiImagesFactory implements ProviderFactory {

    /** The provider id. */
    public static final String ID = "openai-images";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Capability capability() {
        return Capability.IMAGE;
    }

    @Override
    public Creation create(ProviderContext context) {
        return RemoteImageProvider.create(ID, context, 1, settings -> new OpenAiImagesBackend(settings,
                context.config("api-key"),
                OpenAiImagesBackend.ResponseFormat.of(context.config("response-format", "b64_json"))));
    }
}
