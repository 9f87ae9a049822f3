package dev.capfabric.plugin.ocr.image;

import dev.capfabric.plugin.ocr.TextImages;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Payload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageHeaderTest {

    @ParameterizedTest
    @CsvSource({"png, PNG", "jpeg, JPEG", "tiff, TIFF", "bmp, BMP"})
    void readsDimensionsOfImagesEncodedByImageIo(String writer, ImageFormat format) throws Exception {
        byte[] encoded = TextImages.encode(new BufferedImage(321, 123, BufferedImage.TYPE_INT_RGB), writer);

        ImageHeader header = ImageHeader.read(encoded);

        assertEquals(new ImageHeader(format, 321, 123), header);
    }

    @Test
    void readsLittleAndBigEndianTiffDirectories() throws Exception {
        assertEquals(new ImageHeader(ImageFormat.TIFF, 70000, 3), ImageHeader.read(tiff(ByteOrder.LITTLE_ENDIAN, 70000, 3)));
        assertEquals(new ImageHeader(ImageFormat.TIFF, 5, 60000), ImageHeader.read(tiff(ByteOrder.BIG_ENDIAN, 5, 60000)));
    }

    @Test
    void readsTopDownBmpHeightAsPositive() throws Exception {
        byte[] bmp = TextImages.encode(new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB), "bmp");
        ByteBuffer.wrap(bmp).order(ByteOrder.LITTLE_ENDIAN).putInt(22, -30);

        assertEquals(30, ImageHeader.read(bmp).height());
    }

    @Test
    void readsTheThreeKindsOfWebpHeader() throws Exception {
        assertEquals(new ImageHeader(ImageFormat.WEBP, 640, 480), ImageHeader.read(webp("VP8 ", 640, 480)));
        assertEquals(new ImageHeader(ImageFormat.WEBP, 16383, 2), ImageHeader.read(webp("VP8L", 16383, 2)));
        assertEquals(new ImageHeader(ImageFormat.WEBP, 20000, 10000), ImageHeader.read(webp("VP8X", 20000, 10000)));
    }

    @Test
    void refusesBytesThatAreNoSupportedImage() {
        assertBadInput("not a PNG, JPEG, TIFF, BMP or WebP image", "GIF89a..........".getBytes());
        assertBadInput("the body is empty", new byte[0]);
        assertBadInput("not a PNG", "%PDF-1.7 hello".getBytes());
    }

    @Test
    void refusesTruncatedHeaders() throws Exception {
        byte[] png = TextImages.png("x");
        assertBadInput("truncated", Arrays.copyOf(png, 18));
        byte[] jpeg = TextImages.encode(new BufferedImage(10, 10, BufferedImage.TYPE_INT_RGB), "jpeg");
        assertBadInput("truncated", Arrays.copyOf(jpeg, 30));
        assertBadInput("truncated", Arrays.copyOf(tiff(ByteOrder.LITTLE_ENDIAN, 10, 10), 12));
    }

    @Test
    void refusesMalformedHeaders() {
        byte[] zeroWidthPng = new byte[33];
        System.arraycopy(new byte[]{(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'I', 'H', 'D', 'R'}, 0, zeroWidthPng, 0, 16);
        zeroWidthPng[23] = 5;
        assertBadInput("impossible dimensions 0x5", zeroWidthPng);

        byte[] bigTiff = {'I', 'I', 43, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        assertBadInput("BigTIFF", bigTiff);

        byte[] jpegWithoutFrame = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xDA, 0, 2, 0, 0};
        assertBadInput("no frame header", jpegWithoutFrame);
    }

    @Test
    void limitsRefuseOversizedImagesByHeaderAlone() throws Exception {
        // a 40-byte body declaring 100000 x 100000 pixels: refused without decoding anything
        byte[] hugePng = Arrays.copyOf(TextImages.png("x"), 40);
        ByteBuffer.wrap(hugePng).putInt(16, 100_000).putInt(20, 100_000);
        ImageLimits limits = new ImageLimits(1 << 20, 40_000_000);

        CapabilityException tooLarge = assertThrows(CapabilityException.class,
                () -> limits.check(new Payload("image/png", hugePng)));

        assertEquals(CapabilityException.Kind.TOO_LARGE, tooLarge.kind());
        assertTrue(tooLarge.getMessage().contains("100000x100000"), tooLarge.getMessage());
    }

    @Test
    void limitsRefuseTooManyBytesBeforeReadingTheHeader() {
        ImageLimits limits = new ImageLimits(100, 40_000_000);

        CapabilityException tooLarge = assertThrows(CapabilityException.class,
                () -> limits.check(new Payload("image/png", new byte[101])));

        assertEquals(CapabilityException.Kind.TOO_LARGE, tooLarge.kind());
    }

    @Test
    void limitsPassImagesWithinBounds() throws Exception {
        ImageLimits limits = new ImageLimits(1 << 20, 321 * 123);
        byte[] png = TextImages.encode(new BufferedImage(321, 123, BufferedImage.TYPE_INT_RGB), "png");

        assertEquals(321, limits.check(new Payload("application/octet-stream", png)).width());
    }

    private static void assertBadInput(String expectedMessagePart, byte[] bytes) {
        CapabilityException bad = assertThrows(CapabilityException.class, () -> ImageHeader.read(bytes));
        assertEquals(CapabilityException.Kind.BAD_INPUT, bad.kind());
        assertTrue(bad.getMessage().contains(expectedMessagePart), bad.getMessage());
    }

    /** A TIFF header and one directory with ImageWidth as LONG and ImageLength as SHORT or LONG. */
    private static byte[] tiff(ByteOrder order, int width, int height) {
        ByteBuffer tiff = ByteBuffer.allocate(8 + 2 + 2 * 12 + 4).order(order);
        tiff.put(order == ByteOrder.LITTLE_ENDIAN ? (byte) 'I' : (byte) 'M');
        tiff.put(order == ByteOrder.LITTLE_ENDIAN ? (byte) 'I' : (byte) 'M');
        tiff.putShort((short) 42).putInt(8).putShort((short) 2);
        tiff.putShort((short) 256).putShort((short) 4).putInt(1).putInt(width);
        if (height <= 0xFFFF) {
            tiff.putShort((short) 257).putShort((short) 3).putInt(1).putShort((short) height).putShort((short) 0);
        } else {
            tiff.putShort((short) 257).putShort((short) 4).putInt(1).putInt(height);
        }
        return tiff.array();
    }

    /** The first 30 bytes of a WebP file with the given first chunk, as the WebP container spec lays them out. */
    private static byte[] webp(String chunk, int width, int height) {
        ByteBuffer webp = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        webp.put("RIFF".getBytes()).putInt(32).put("WEBP".getBytes()).put(chunk.getBytes()).putInt(20);
        switch (chunk) {
            case "VP8 " -> webp.put(new byte[]{0, 0, 0, (byte) 0x9D, 0x01, 0x2A})
                    .putShort((short) width).putShort((short) height);
            case "VP8L" -> webp.put((byte) 0x2F).putInt((width - 1) | (height - 1) << 14);
            case "VP8X" -> webp.putInt(0).put(le24(width - 1)).put(le24(height - 1));
            default -> throw new IllegalArgumentException(chunk);
        }
        return webp.array();
    }

    private static byte[] le24(int value) {
        return new byte[]{(byte) value, (byte) (value >> 8), (byte) (value >> 16)};
    }
}
