package dev.capfabric.plugin.ocr.image;

import dev.capfabric.spi.CapabilityException;

import static java.util.Objects.requireNonNull;

/**
 * The format and dimensions of an encoded image, read from its header alone, so that an oversized
 * image is refused before any decoder allocates its pixels.
 *
 * @param format the format recognised from the leading bytes
 * @param width  width in pixels, positive
 * @param height height in pixels, positive
 */
public record ImageHeader(ImageFormat format, int width, int height) {

    public ImageHeader {
        requireNonNull(format, "format is null");
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("dimensions must be positive: " + width + "x" + height);
        }
    }

    /** The number of pixels, computed without overflow. */
    public long pixels() {
        return (long) width * height;
    }

    /**
     * Reads the header of a PNG, JPEG, TIFF, BMP or WebP image.
     *
     * @throws CapabilityException {@code BAD_INPUT} when the bytes are not one of those formats or
     *                             the header is truncated or malformed
     */
    public static ImageHeader read(byte[] bytes) throws CapabilityException {
        requireNonNull(bytes, "bytes is null");
        try {
            return HeaderParser.parse(new ByteReader(bytes));
        } catch (IndexOutOfBoundsException truncated) {
            throw CapabilityException.badInput("the image header is truncated (" + bytes.length + " bytes)");
        }
    }
}
