package dev.capfabric.plugin.ocr.image;

import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Payload;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import java.util.stream.Stream;

import static dev.capfabric.plugin.ocr.image.PngBombs.actl;
import static dev.capfabric.plugin.ocr.image.PngBombs.fctl;
import static dev.capfabric.plugin.ocr.image.PngBombs.iccp;
import static dev.capfabric.plugin.ocr.image.PngBombs.idat;
import static dev.capfabric.plugin.ocr.image.PngBombs.ihdr;
import static dev.capfabric.plugin.ocr.image.PngBombs.itxt;
import static dev.capfabric.plugin.ocr.image.PngBombs.png;
import static dev.capfabric.plugin.ocr.image.PngBombs.ztxt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * PNG decode bombs past the IHDR: the chunks a decoder inflates are bounded before it runs (image
 * data to what the rows need, compressed metadata to a budget), whatever their number or kind, and
 * real PNGs of every colour type, depth and interlacing still pass.
 */
class PngChunksTest {

    private static final ImageLimits LIMITS = new ImageLimits(ImageLimits.DEFAULT_MAX_BYTES, ImageLimits.DEFAULT_MAX_PIXELS);

    private static CapabilityException.Kind refusal(byte[] image) {
        return assertThrows(CapabilityException.class, () -> LIMITS.check(new Payload("image/png", image))).kind();
    }

    static Stream<Object[]> bombs() {
        byte[][] manyTexts = new byte[12][];
        manyTexts[0] = ihdr(100, 100);
        for (int i = 1; i < 11; i++) {
            manyTexts[i] = ztxt(500_000);
        }
        manyTexts[11] = idat(100, 100, 0);
        byte[] longData = PngBombs.zeros(64L << 20);
        return Stream.of(
                new Object[]{"text inflating to 256 MB", png(ihdr(100, 100), ztxt(256L << 20), idat(100, 100, 0)), CapabilityException.Kind.TOO_LARGE},
                new Object[]{"ten texts of 500 KB", png(manyTexts), CapabilityException.Kind.TOO_LARGE},
                new Object[]{"international text of 64 MB", png(ihdr(100, 100), itxt(64L << 20), idat(100, 100, 0)), CapabilityException.Kind.TOO_LARGE},
                new Object[]{"colour profile of 64 MB", png(ihdr(100, 100), iccp(64L << 20), idat(100, 100, 0)), CapabilityException.Kind.TOO_LARGE},
                new Object[]{"image data of 256 MB for 100x100", png(ihdr(100, 100), idat(100, 100, 256L << 20)), CapabilityException.Kind.BAD_INPUT},
                new Object[]{"image data 64 KB too long", png(ihdr(100, 100), idat(100, 100, 65_536)), CapabilityException.Kind.BAD_INPUT},
                new Object[]{"image data split over chunks", png(ihdr(100, 100), PngBombs.chunk("IDAT", java.util.Arrays.copyOf(longData, 30_000)),
                        PngBombs.chunk("IDAT", java.util.Arrays.copyOfRange(longData, 30_000, longData.length))), CapabilityException.Kind.BAD_INPUT},
                new Object[]{"a second, larger IHDR", png(ihdr(100, 100), ihdr(40_000, 40_000), idat(100, 100, 0)), CapabilityException.Kind.BAD_INPUT},
                new Object[]{"an APNG frame larger than the canvas", png(ihdr(100, 100), actl(2), fctl(0, 100, 100, 0, 0), idat(100, 100, 0),
                        fctl(1, 40_000, 40_000, 0, 0)), CapabilityException.Kind.BAD_INPUT},
                new Object[]{"an APNG frame off the canvas", png(ihdr(100, 100), actl(1), fctl(0, 60, 60, 50, 0), idat(100, 100, 0)), CapabilityException.Kind.BAD_INPUT},
                new Object[]{"a chunk longer than the file", png(ihdr(100, 100), new byte[]{0x7F, 0, 0, 0, 't', 'E', 'X', 't', 0, 0, 0, 0}), CapabilityException.Kind.BAD_INPUT},
                new Object[]{"corrupt image data", png(ihdr(100, 100), PngBombs.chunk("IDAT", new byte[]{0x78, (byte) 0x9C, (byte) 0xFF, (byte) 0xFF, 1, 2, 3})),
                        CapabilityException.Kind.BAD_INPUT});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bombs")
    void bombsPastTheHeaderAreRefused(String name, byte[] bomb, CapabilityException.Kind kind) {
        assertEquals(kind, refusal(bomb), name);
    }

    static Stream<Object[]> realImages() {
        return Map.of("binary", BufferedImage.TYPE_BYTE_BINARY, "indexed", BufferedImage.TYPE_BYTE_INDEXED,
                        "grey", BufferedImage.TYPE_BYTE_GRAY, "grey16", BufferedImage.TYPE_USHORT_GRAY,
                        "rgb", BufferedImage.TYPE_3BYTE_BGR, "argb", BufferedImage.TYPE_INT_ARGB).entrySet().stream()
                .flatMap(e -> Stream.of(true, false).flatMap(interlaced -> Stream.of(new int[]{1, 1}, new int[]{13, 7}, new int[]{301, 97})
                        .map(size -> new Object[]{e.getKey(), e.getValue(), interlaced, size[0], size[1]})));
    }

    @ParameterizedTest(name = "{0} interlaced={2} {3}x{4}")
    @MethodSource("realImages")
    void realPngsOfEveryKindPass(String name, int type, boolean interlaced, int width, int height) throws Exception {
        BufferedImage image = new BufferedImage(width, height, type);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(new Color(40, 90, 200, 180));
        g.drawString("Ab", 1, Math.max(1, height - 2));
        g.dispose();
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setProgressiveMode(interlaced ? ImageWriteParam.MODE_DEFAULT : ImageWriteParam.MODE_DISABLED);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(null, new IIOImage(image, null, null), param);
        }
        byte[] png = out.toByteArray();
        assertEquals(interlaced ? 1 : 0, png[28], "interlace method in the IHDR");
        ImageHeader header = LIMITS.check(new Payload("image/png", png));
        assertEquals(width, header.width());
        assertEquals(height, header.height());
    }

    @ParameterizedTest
    @CsvSource({"1, 1, 1, 0, 0, 2", "8, 1, 1, 0, 0, 2", "9, 2, 1, 0, 0, 6", "100, 100, 8, 0, 0, 10100", "100, 100, 8, 6, 0, 40100",
            "3, 3, 8, 0, 1, 15", "1, 1, 16, 2, 1, 7"})
    void rowBytesFollowTheSpecification(int width, int height, int depth, int colourType, int interlace, long expected) throws Exception {
        assertEquals(expected, PngChunks.rowBytes(width, height, depth, colourType, interlace));
    }
}
