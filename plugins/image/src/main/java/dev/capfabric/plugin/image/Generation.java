package dev.capfabric.plugin.image;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import static java.util.Objects.requireNonNull;

/**
 * What a backend made for one request.
 *
 * @param images the images, each a verified PNG, in the backend's order
 * @param model  the model that made them, when known
 */
record Generation(List<Image> images, Optional<String> model) {

    Generation {
        images = List.copyOf(requireNonNull(images, "images is null"));
        requireNonNull(model, "model is null");
    }

    /**
     * One generated image.
     *
     * @param png  the image
     * @param seed the seed that made it, when the backend says
     */
    record Image(PngImage png, OptionalLong seed) {
        Image {
            requireNonNull(png, "png is null");
            requireNonNull(seed, "seed is null");
        }
    }
}
