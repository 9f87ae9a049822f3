package dev.capfabric.plugin.image;

import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.ProviderContext;
import dev.capfabric.spi.ProviderFactory;

/**
 * The {@code a1111} provider: image generation through an AUTOMATIC1111, Forge or SD.Next web UI
 * started with {@code --api} ({@code POST /sdapi/v1/txt2img}). Usable only where
 * {@code capfabric.providers.a1111.base-url} is set and the server lists its checkpoints on
 * {@code GET /sdapi/v1/sd-models}; it offers those checkpoints as models.
 *
 * <p>Besides the settings every remote image provider reads (see {@code BackendSettings}):
 * {@code api-auth}, the {@code user:password} of a server started with {@code --api-auth}. Sizes must be
 * multiples of 8, as Stable Diffusion's latent space requires.
 */
public final class A1111Factory implements ProviderFactory {

    /** The provider id. */
    public static final String ID = "a1111";

    private static final int LATENT_SIZE_MULTIPLE = 8;

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
        return RemoteImageProvider.create(ID, context, LATENT_SIZE_MULTIPLE,
                settings -> new A1111Backend(settings, context.config("api-auth")));
    }
}
