package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.plugin.ocr.image.ImageHeader;
import dev.capfabric.plugin.ocr.image.ImageLimits;
import dev.capfabric.spi.CapabilityException;
import org.bytedeco.leptonica.PIX;

import java.util.Locale;

import static org.bytedeco.leptonica.global.leptonica.pixDestroy;
import static org.bytedeco.leptonica.global.leptonica.pixGetHeight;
import static org.bytedeco.leptonica.global.leptonica.pixGetWidth;
import static org.bytedeco.leptonica.global.leptonica.pixReadMem;

/**
 * Decodes an image whose header already passed the {@link ImageLimits}, with Leptonica, the
 * decoder Tesseract itself uses (its build here reads PNG, JPEG, TIFF, BMP and WebP).
 */
final class LeptonicaDecoder {

    private LeptonicaDecoder() {
    }

    /**
     * @return the decoded image; the caller destroys it with {@code pixDestroy}
     * @throws CapabilityException {@code BAD_INPUT} when the data cannot be decoded,
     *                             {@code TOO_LARGE} if the decoded image exceeds the pixel limit
     *                             although its header did not
     */
    static PIX decode(byte[] encoded, ImageHeader header, ImageLimits limits) throws CapabilityException {
        PIX image = pixReadMem(encoded, encoded.length);
        if (image == null || image.isNull()) {
            throw CapabilityException.badInput(String.format(Locale.ROOT,
                    "the %s image (%dx%d) could not be decoded: its data is corrupt or truncated",
                    header.format(), header.width(), header.height()));
        }
        long pixels = (long) pixGetWidth(image) * pixGetHeight(image);
        if (pixels > limits.maxPixels()) {
            pixDestroy(image);
            throw CapabilityException.tooLarge("the decoded image has " + pixels + " pixels; at most "
                    + limits.maxPixels() + " are accepted");
        }
        return image;
    }
}
