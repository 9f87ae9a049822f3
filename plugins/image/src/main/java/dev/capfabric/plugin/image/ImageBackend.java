package dev.capfabric.plugin.image;

import dev.capfabric.spi.CapabilityException;

import java.util.List;
import java.util.Optional;

/**
 * One image-generation server API, spoken over HTTP. Implementations translate a validated
 * {@link ImageRequest} into the server's request and its answer into verified PNGs; they fail only
 * with {@link CapabilityException}s that say whose fault a failure is.
 */
sealed interface ImageBackend extends AutoCloseable permits OpenAiImagesBackend, A1111Backend {

    /** The API spoken, as shown on {@code /caps}: {@code openai-images} or {@code a1111}. */
    String api();

    /** The backend's base URL without credentials. */
    String name();

    /**
     * The models the backend offers now; empty when it offers none.
     *
     * @throws CapabilityException when the backend does not answer, or answers in a shape this API does not define
     */
    List<String> listModels(CallDeadline deadline) throws CapabilityException;

    /**
     * Generates the images asked for. May return more images than asked for, never silently fewer
     * unless the backend made fewer.
     *
     * @param model the model to use, or empty for the backend's current default
     */
    Generation generate(ImageRequest request, Optional<String> model, CallDeadline deadline) throws CapabilityException;

    @Override
    void close();
}
