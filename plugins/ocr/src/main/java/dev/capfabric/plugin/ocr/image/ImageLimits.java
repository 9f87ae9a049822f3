package dev.capfabric.plugin.ocr.image;

import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Payload;

import java.util.Locale;

/**
 * The largest image a provider takes, in encoded bytes and in decoded pixels. The pixel bound is
 * what protects memory: a few kilobytes of PNG can declare a gigapixel canvas.
 *
 * @param maxBytes  the largest encoded input, positive
 * @param maxPixels the largest width × height, positive
 */
public record ImageLimits(long maxBytes, long maxPixels) {

    /** 20 MiB: a 600 dpi A4 scan as PNG fits. */
    public static final long DEFAULT_MAX_BYTES = 20L << 20;
    /** 40 megapixels: an A4 page at 600 dpi is 35 megapixels. */
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;

    public ImageLimits {
        if (maxBytes <= 0 || maxPixels <= 0) {
            throw new IllegalArgumentException("limits must be positive: " + maxBytes + " bytes, " + maxPixels + " pixels");
        }
    }

    /**
     * Reads the header of the job's input and checks it against these limits, without decoding (a
     * PNG's compressed chunks are inflated, each against a budget, to bound what its decoder spends).
     *
     * @throws CapabilityException {@code TOO_LARGE} above a limit, {@code BAD_INPUT} when the input is
     *                             not a supported image
     */
    public ImageHeader check(Payload input) throws CapabilityException {
        if (input.size() > maxBytes) {
            throw CapabilityException.tooLarge("the image is " + input.size() + " bytes; at most " + maxBytes + " are accepted");
        }
        ImageHeader header = ImageHeader.read(input.bytes());
        if (header.pixels() > maxPixels) {
            throw CapabilityException.tooLarge(String.format(Locale.ROOT,
                    "the image is %dx%d = %.1f megapixels; at most %.1f are accepted",
                    header.width(), header.height(), header.pixels() / 1e6, maxPixels / 1e6));
        }
        if (header.format() == ImageFormat.PNG) {
            PngChunks.check(input.bytes(), header); // only now: its image data inflates to what the pixels need
        }
        return header;
    }
}
