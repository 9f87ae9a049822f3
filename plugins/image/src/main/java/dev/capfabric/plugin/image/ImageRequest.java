package dev.capfabric.plugin.image;

import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Job;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import static java.util.Objects.requireNonNull;

/**
 * A validated image-generation request, read from a job's parameters: {@code prompt} (required),
 * {@code size} ({@code WIDTHxHEIGHT}), {@code steps}, {@code seed}, {@code model} and {@code n}.
 * Every value is within the provider's {@link Limits}; absent optional values are left to the backend.
 *
 * @param prompt what to draw, never blank
 * @param size   the image size, if asked for
 * @param steps  sampling steps, if asked for
 * @param seed   the random seed, if asked for
 * @param model  the model asked for by name; checked against the backend's list by the provider
 * @param count  how many images to make, at least 1
 */
record ImageRequest(String prompt, Optional<ImageSize> size, OptionalInt steps, OptionalLong seed,
                    Optional<String> model, int count) {

    ImageRequest {
        requireNonNull(prompt, "prompt is null");
        requireNonNull(size, "size is null");
        requireNonNull(steps, "steps is null");
        requireNonNull(seed, "seed is null");
        requireNonNull(model, "model is null");
    }

    /**
     * Reads and validates the request.
     *
     * @throws CapabilityException {@code BAD_INPUT} for a missing or malformed value, {@code TOO_LARGE}
     *                             for a prompt or size beyond the limits
     */
    static ImageRequest from(Job job, Limits limits) throws CapabilityException {
        String prompt = job.parameter("prompt").orElseThrow(() -> CapabilityException.badInput(
                "prompt is required: send a JSON body such as {\"prompt\": \"a lighthouse at dusk\"}"));
        int promptChars = prompt.codePointCount(0, prompt.length());
        if (promptChars > limits.maxPromptChars()) {
            throw CapabilityException.tooLarge("prompt has " + promptChars + " characters; this provider takes at most "
                    + limits.maxPromptChars());
        }
        Optional<ImageSize> size = job.parameter("size").isPresent()
                ? Optional.of(size(job.parameter("size").get(), limits))
                : Optional.empty();
        OptionalInt steps = job.parameter("steps").isPresent()
                ? OptionalInt.of((int) integer("steps", job.parameter("steps").get(), 1, limits.maxSteps()))
                : OptionalInt.empty();
        OptionalLong seed = job.parameter("seed").isPresent()
                ? OptionalLong.of(integer("seed", job.parameter("seed").get(), 0, Limits.MAX_SEED))
                : OptionalLong.empty();
        int count = job.parameter("n").isPresent()
                ? (int) integer("n", job.parameter("n").get(), 1, limits.maxImages())
                : 1;
        return new ImageRequest(prompt, size, steps, seed, job.parameter("model").map(String::strip), count);
    }

    private static ImageSize size(String text, Limits limits) throws CapabilityException {
        ImageSize size = ImageSize.parse(text).orElseThrow(() -> CapabilityException.badInput(
                "size must be WIDTHxHEIGHT in pixels, such as 512x512; got '" + abbreviate(text) + "'"));
        if (!limits.minSize().fitsWithin(size)) {
            throw CapabilityException.badInput("size " + size + " is too small: width and height must be at least "
                    + limits.minSize());
        }
        if (!size.fitsWithin(limits.maxSize())) {
            throw CapabilityException.tooLarge("size " + size + " is too large: this provider makes images up to "
                    + limits.maxSize());
        }
        int multiple = limits.sizeMultiple();
        if (size.width() % multiple != 0 || size.height() % multiple != 0) {
            throw CapabilityException.badInput("size " + size + ": width and height must be multiples of " + multiple
                    + " for this backend");
        }
        return size;
    }

    private static long integer(String name, String text, long min, long max) throws CapabilityException {
        String range = name + " must be a whole number from " + min + " to " + max;
        long value;
        try {
            value = Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw CapabilityException.badInput(range + "; got '" + abbreviate(text) + "'");
        }
        if (value < min || value > max) {
            throw CapabilityException.badInput(range + "; got " + value);
        }
        return value;
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "…";
    }
}
