package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.plugin.ocr.image.ImageFormat;
import dev.capfabric.plugin.ocr.image.ImageHeader;
import dev.capfabric.plugin.ocr.image.ImageLimits;
import dev.capfabric.spi.CapabilityException;
import org.bytedeco.leptonica.PIX;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

import static org.bytedeco.leptonica.global.leptonica.pixDestroy;
import static org.bytedeco.leptonica.global.leptonica.pixGetHeight;
import static org.bytedeco.leptonica.global.leptonica.pixGetWidth;
import static org.bytedeco.leptonica.global.leptonica.pixReadMem;

/**
 * Decodes an image whose header already passed the {@link ImageLimits}, with Leptonica, the
 * decoder Tesseract itself uses (its build here reads PNG, JPEG, TIFF, BMP and WebP).
 *
 * <p>Leptonica reads only uncompressed BMP: a run-length encoded one (RLE8, RLE4, both valid BMP) is
 * decoded by the JDK's BMP reader first and handed on as PNG. Its pixels were bounded by the header
 * check, so that decode is bounded too.
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
        if (header.format() == ImageFormat.BMP && isRunLengthEncoded(encoded)) {
            encoded = bmpAsPng(encoded, header);
        }
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

    /** BI_RLE8 (1) or BI_RLE4 (2) in a BMP info header of 40 bytes or more. */
    private static boolean isRunLengthEncoded(byte[] bmp) {
        if (bmp.length < 34) {
            return false;
        }
        ByteBuffer header = ByteBuffer.wrap(bmp).order(ByteOrder.LITTLE_ENDIAN);
        int compression = header.getInt(30);
        return header.getInt(14) >= 40 && (compression == 1 || compression == 2);
    }

    private static byte[] bmpAsPng(byte[] bmp, ImageHeader header) throws CapabilityException {
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(bmp));
            if (image == null) {
                throw new IOException("no BMP reader took it");
            }
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(image, "png", png);
            return png.toByteArray();
        } catch (IOException | RuntimeException e) {
            throw CapabilityException.badInput(String.format(Locale.ROOT,
                    "the run-length encoded BMP image (%dx%d) could not be decoded: %s", header.width(), header.height(), e.getMessage()));
        }
    }
}
