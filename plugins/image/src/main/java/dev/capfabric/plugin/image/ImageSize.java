package dev.capfabric.plugin.image;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An image size in pixels, written {@code WIDTHxHEIGHT} as both backends' APIs write it.
 *
 * @param width  pixels across, positive
 * @param height pixels down, positive
 */
record ImageSize(int width, int height) {

    private static final Pattern WIDTH_X_HEIGHT = Pattern.compile("([0-9]{1,5})[xX]([0-9]{1,5})");

    ImageSize {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("size must be positive: " + width + "x" + height);
        }
    }

    /** The size written as {@code WIDTHxHEIGHT}, or empty when {@code text} is not written so. */
    static Optional<ImageSize> parse(String text) {
        Matcher matcher = WIDTH_X_HEIGHT.matcher(text.strip());
        if (!matcher.matches()) {
            return Optional.empty();
        }
        int width = Integer.parseInt(matcher.group(1));
        int height = Integer.parseInt(matcher.group(2));
        return width > 0 && height > 0 ? Optional.of(new ImageSize(width, height)) : Optional.empty();
    }

    boolean fitsWithin(ImageSize bound) {
        return width <= bound.width && height <= bound.height;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%dx%d", width, height);
    }
}
