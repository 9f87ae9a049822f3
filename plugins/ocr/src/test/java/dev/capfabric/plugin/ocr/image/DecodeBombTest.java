package dev.capfabric.plugin.ocr.image;

import dev.capfabric.plugin.ocr.TextImages;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Payload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Generated decode bombs of each format are refused on what the decoder would allocate or spend,
 * before it runs: duplicate TIFF dimension tags in either order, a large page after a small one,
 * looping and endless directory chains, JPEG frames and scans, WebP frames larger than the canvas.
 */
class DecodeBombTest {

    private static final ImageLimits LIMITS = new ImageLimits(ImageLimits.DEFAULT_MAX_BYTES, ImageLimits.DEFAULT_MAX_PIXELS);

    private static CapabilityException refused(byte[] image) {
        return assertThrows(CapabilityException.class, () -> LIMITS.check(new Payload("image/x", image)));
    }

    /** One TIFF directory entry: tag, type (3 SHORT, 4 LONG), one value. */
    private record Entry(int tag, int type, long value) {
    }

    /** A TIFF whose directories hold the given entries, chained in order (or looping back to the first). */
    private static byte[] tiff(ByteOrder order, boolean loop, List<List<Entry>> pages) {
        int size = 8;
        for (List<Entry> page : pages) {
            size += 2 + 12 * page.size() + 4;
        }
        ByteBuffer tiff = ByteBuffer.allocate(size).order(order);
        byte mark = order == ByteOrder.LITTLE_ENDIAN ? (byte) 'I' : (byte) 'M';
        tiff.put(mark).put(mark).putShort((short) 42).putInt(8);
        for (int p = 0; p < pages.size(); p++) {
            List<Entry> page = pages.get(p);
            tiff.putShort((short) page.size());
            for (Entry e : page) {
                tiff.putShort((short) e.tag()).putShort((short) e.type()).putInt(1);
                if (e.type() == 3) {
                    tiff.putShort((short) e.value()).putShort((short) 0);
                } else {
                    tiff.putInt((int) e.value());
                }
            }
            boolean last = p == pages.size() - 1;
            tiff.putInt(last ? (loop ? 8 : 0) : tiff.position() + 4);
        }
        return tiff.array();
    }

    private static List<Entry> page(int width, int height) {
        return List.of(new Entry(256, 4, width), new Entry(257, 4, height));
    }

    @ParameterizedTest
    @CsvSource({"45000, 100, LITTLE", "100, 45000, LITTLE", "32000, 100, BIG", "100, 32000, BIG", "100, 100, LITTLE"})
    void aTiffDimensionTagGivenTwiceIsRefusedWhicheverComesFirst(int first, int second, String endian) {
        ByteOrder order = endian.equals("BIG") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        byte[] width = tiff(order, false, List.of(List.of(new Entry(256, 4, first), new Entry(257, 3, 100), new Entry(256, 3, second))));
        byte[] length = tiff(order, false, List.of(List.of(new Entry(256, 3, 100), new Entry(257, 4, first), new Entry(257, 4, second))));
        assertTrue(refused(width).getMessage().contains("twice"), refused(width).getMessage());
        assertTrue(refused(length).getMessage().contains("twice"));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7})
    void aLargePageAfterSmallOnesIsRefused(int smallPages) {
        List<List<Entry>> pages = new ArrayList<>();
        for (int i = 0; i < smallPages; i++) {
            pages.add(page(100, 100));
        }
        pages.add(page(45000, 45000));
        CapabilityException e = refused(tiff(ByteOrder.LITTLE_ENDIAN, false, pages));
        assertEquals(CapabilityException.Kind.TOO_LARGE, e.kind(), e.getMessage());
    }

    @Test
    void loopingAndEndlessDirectoryChainsAreRefused() {
        assertEquals(CapabilityException.Kind.BAD_INPUT, refused(tiff(ByteOrder.BIG_ENDIAN, true, List.of(page(10, 10), page(10, 10)))).kind());
        List<List<Entry>> many = new ArrayList<>();
        for (int i = 0; i < HeaderParser.TIFF_MAX_PAGES + 1; i++) {
            many.add(page(10, 10));
        }
        assertEquals(CapabilityException.Kind.TOO_LARGE, refused(tiff(ByteOrder.LITTLE_ENDIAN, false, many)).kind());
    }

    @Test
    void smallMultiPageTiffsPass() throws CapabilityException {
        assertEquals(new ImageHeader(ImageFormat.TIFF, 300, 200),
                LIMITS.check(new Payload("image/tiff", tiff(ByteOrder.LITTLE_ENDIAN, false, List.of(page(100, 100), page(300, 200), page(50, 50))))));
    }

    /** A real JPEG (ImageIO) with its scan repeated: what a progressive JPEG with many scans costs. */
    private static byte[] jpegWithScans(int width, int height, int scans) throws Exception {
        byte[] jpeg = TextImages.encode(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), "jpeg");
        int sos = -1;
        for (int i = 2; i < jpeg.length - 1; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xDA) {
                sos = i;
                break;
            }
        }
        int eoi = jpeg.length - 2;
        byte[] scan = Arrays.copyOfRange(jpeg, sos, eoi);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, sos);
        for (int i = 0; i < scans; i++) {
            out.write(scan);
        }
        out.write(jpeg, eoi, 2);
        return out.toByteArray();
    }

    @ParameterizedTest
    @CsvSource({"64, 64, 150", "2000, 2000, 300", "4000, 2000, 130"})
    void jpegsWithTooManyScansAreRefused(int width, int height, int scans) throws Exception {
        CapabilityException e = refused(jpegWithScans(width, height, scans));
        assertEquals(CapabilityException.Kind.TOO_LARGE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("scans"));
    }

    @Test
    void jpegsWithAFewScansPass() throws Exception {
        assertEquals(new ImageHeader(ImageFormat.JPEG, 640, 480), LIMITS.check(new Payload("image/jpeg", jpegWithScans(640, 480, 10))));
    }

    @Test
    void aSecondLargerJpegFrameCounts() throws Exception {
        byte[] jpeg = TextImages.encode(new BufferedImage(100, 100, BufferedImage.TYPE_INT_RGB), "jpeg");
        int sof = -1;
        for (int i = 2; i < jpeg.length - 1; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC0) {
                sof = i;
                break;
            }
        }
        int length = ((jpeg[sof + 2] & 0xFF) << 8) | (jpeg[sof + 3] & 0xFF);
        byte[] second = Arrays.copyOfRange(jpeg, sof, sof + 2 + length);
        ByteBuffer.wrap(second).putShort(5, (short) 60000).putShort(7, (short) 60000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, sof + 2 + length);
        out.write(second, 0, second.length);
        out.write(jpeg, sof + 2 + length, jpeg.length - sof - 2 - length);
        assertEquals(CapabilityException.Kind.TOO_LARGE, refused(out.toByteArray()).kind());
    }

    @ParameterizedTest
    @CsvSource({"png, 45000, 45000", "bmp, 32000, 32000", "tiff, 45000, 1000"})
    void hugeCanvasesOfEachFormatAreRefused(String format, int width, int height) throws Exception {
        byte[] small = TextImages.encode(new BufferedImage(10, 10, BufferedImage.TYPE_INT_RGB), format);
        ByteBuffer b = ByteBuffer.wrap(small);
        switch (format) {
            case "png" -> b.putInt(16, width).putInt(20, height);
            case "bmp" -> b.order(ByteOrder.LITTLE_ENDIAN).putInt(18, width).putInt(22, height);
            default -> {
                byte[] tiff = tiff(ByteOrder.BIG_ENDIAN, false, List.of(page(width, height)));
                assertEquals(CapabilityException.Kind.TOO_LARGE, refused(tiff).kind());
                return;
            }
        }
        assertEquals(CapabilityException.Kind.TOO_LARGE, refused(small).kind());
    }

    @ParameterizedTest
    @CsvSource({"VP8L, 16000, 16000", "VP8L, 200, 100", "'VP8 ', 16000, 100"})
    void aWebpFrameLargerThanItsCanvasIsRefused(String kind, int width, int height) {
        ByteBuffer webp = ByteBuffer.allocate(30 + 8 + 10 + 8).order(ByteOrder.LITTLE_ENDIAN);
        webp.put("RIFF".getBytes()).putInt(webp.capacity() - 8).put("WEBP".getBytes());
        webp.put("VP8X".getBytes()).putInt(10).putInt(0).put(new byte[]{99, 0, 0}).put(new byte[]{99, 0, 0});
        webp.put(kind.getBytes()).putInt(10);
        if (kind.equals("VP8L")) {
            webp.put((byte) 0x2F).putInt((width - 1) | (height - 1) << 14).put(new byte[5]);
        } else {
            webp.put(new byte[]{0, 0, 0, (byte) 0x9D, 0x01, 0x2A}).putShort((short) width).putShort((short) height);
        }
        assertEquals(CapabilityException.Kind.BAD_INPUT, refused(webp.array()).kind(), refused(webp.array()).getMessage());
    }

    /** An animated WebP: a 100x100 canvas, then one ANMF frame at (x, y) of the given size holding a VP8L bitstream. */
    private static byte[] animatedWebp(int x, int y, int width, int height, int bitstreamWidth, int bitstreamHeight) {
        ByteBuffer webp = ByteBuffer.allocate(12 + 18 + 8 + 16 + 8 + 10).order(ByteOrder.LITTLE_ENDIAN);
        webp.put("RIFF".getBytes()).putInt(webp.capacity() - 8).put("WEBP".getBytes());
        webp.put("VP8X".getBytes()).putInt(10).putInt(0x02).put(new byte[]{99, 0, 0}).put(new byte[]{99, 0, 0});
        webp.put("ANMF".getBytes()).putInt(16 + 8 + 10);
        webp.put(u24(x / 2)).put(u24(y / 2)).put(u24(width - 1)).put(u24(height - 1)).put(u24(100)).put((byte) 0);
        webp.put("VP8L".getBytes()).putInt(10).put((byte) 0x2F).putInt((bitstreamWidth - 1) | (bitstreamHeight - 1) << 14).put(new byte[5]);
        return webp.array();
    }

    private static byte[] u24(int value) {
        return new byte[]{(byte) value, (byte) (value >> 8), (byte) (value >> 16)};
    }

    @ParameterizedTest
    @CsvSource({"0, 0, 16000, 16000, 16000, 16000", "60, 0, 50, 50, 50, 50", "0, 90, 20, 20, 20, 20", "0, 0, 50, 50, 16000, 16000",
            "0, 0, 50, 50, 60, 40"})
    void animatedWebpFramesOffTheCanvasOrLargerThanTheirFrameAreRefused(int x, int y, int w, int h, int bw, int bh) {
        assertEquals(CapabilityException.Kind.BAD_INPUT, refused(animatedWebp(x, y, w, h, bw, bh)).kind());
    }

    @Test
    void anAnimatedWebpFrameOnTheCanvasPasses() throws CapabilityException {
        ImageHeader header = LIMITS.check(new Payload("image/webp", animatedWebp(40, 40, 60, 60, 60, 60)));
        assertEquals(100, header.width());
    }
}
