package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.plugin.ocr.TextImages;
import dev.capfabric.plugin.ocr.image.ImageHeader;
import dev.capfabric.plugin.ocr.image.ImageLimits;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Payload;
import org.bytedeco.leptonica.PIX;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.List;

import static org.bytedeco.leptonica.global.leptonica.pixDestroy;
import static org.bytedeco.leptonica.global.leptonica.pixGetHeight;
import static org.bytedeco.leptonica.global.leptonica.pixGetWidth;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Valid run-length encoded BMPs decode (Leptonica alone refuses them); broken ones are bad input. */
class RunLengthBmpTest {

    private static final ImageLimits LIMITS = new ImageLimits(ImageLimits.DEFAULT_MAX_BYTES, ImageLimits.DEFAULT_MAX_PIXELS);

    static byte[] bmp(String compression, int type) throws Exception {
        BufferedImage text = TextImages.render(List.of("run length"), TextImages.SERIF_32);
        BufferedImage indexed;
        if (type == BufferedImage.TYPE_BYTE_BINARY) {
            byte[] grey = new byte[16];
            for (int i = 0; i < 16; i++) {
                grey[i] = (byte) (i * 17);
            }
            indexed = new BufferedImage(text.getWidth(), text.getHeight(), type, new java.awt.image.IndexColorModel(4, 16, grey, grey, grey));
        } else {
            indexed = new BufferedImage(text.getWidth(), text.getHeight(), type);
        }
        Graphics2D g = indexed.createGraphics();
        g.drawImage(text, 0, 0, null);
        g.dispose();
        ImageWriter writer = ImageIO.getImageWritersByFormatName("bmp").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionType(compression);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(null, new IIOImage(indexed, null, null), param);
        }
        return out.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"BI_RLE8", "BI_RLE4"})
    void validRunLengthEncodedBmpsDecode(String compression) throws Exception {
        byte[] bmp = bmp(compression, compression.equals("BI_RLE8") ? BufferedImage.TYPE_BYTE_INDEXED : BufferedImage.TYPE_BYTE_BINARY);
        ImageHeader header = LIMITS.check(new Payload("image/bmp", bmp));
        PIX pix = LeptonicaDecoder.decode(bmp, header, LIMITS);
        try {
            assertEquals(header.width(), pixGetWidth(pix));
            assertEquals(header.height(), pixGetHeight(pix));
        } finally {
            pixDestroy(pix);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {60, 200, 1000})
    void truncatedRunLengthEncodedBmpsAreBadInput(int keep) throws Exception {
        byte[] bmp = java.util.Arrays.copyOf(bmp("BI_RLE8", BufferedImage.TYPE_BYTE_INDEXED), keep);
        ImageHeader header = LIMITS.check(new Payload("image/bmp", bmp));
        CapabilityException e = assertThrows(CapabilityException.class, () -> {
            PIX pix = LeptonicaDecoder.decode(bmp, header, LIMITS);
            pixDestroy(pix);
        });
        assertEquals(CapabilityException.Kind.BAD_INPUT, e.kind());
    }
}
