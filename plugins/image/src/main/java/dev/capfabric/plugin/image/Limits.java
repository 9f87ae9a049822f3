package dev.capfabric.plugin.image;

import static java.util.Objects.requireNonNull;

/**
 * What a provider accepts in one job, so a request is refused before it reaches the backend.
 *
 * @param maxPromptChars the longest prompt, in characters (code points)
 * @param minSize        the smallest width and height
 * @param maxSize        the largest width and height
 * @param sizeMultiple   width and height must be multiples of this (8 for Stable Diffusion latents, else 1)
 * @param maxSteps       the most sampling steps
 * @param maxImages      the most images per job ({@code n})
 */
record Limits(int maxPromptChars, ImageSize minSize, ImageSize maxSize, int sizeMultiple, int maxSteps, int maxImages) {

    /** Seeds are unsigned 32-bit numbers in every Stable Diffusion front end. */
    static final long MAX_SEED = 0xFFFF_FFFFL;

    Limits {
        requireNonNull(minSize, "minSize is null");
        requireNonNull(maxSize, "maxSize is null");
        if (maxPromptChars <= 0 || sizeMultiple <= 0 || maxSteps <= 0 || maxImages <= 0) {
            throw new IllegalArgumentException("limits must be positive");
        }
        if (!minSize.fitsWithin(maxSize)) {
            throw new IllegalArgumentException("max-size " + maxSize + " is below the minimum " + minSize);
        }
    }
}
