package dev.capfabric.plugin.ocr.image;

import dev.capfabric.spi.CapabilityException;

import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Walks every chunk of a PNG whose IHDR already passed the pixel limit, and bounds what a decoder
 * would spend on the chunks after it (PNG specification, 3rd edition): libpng inflates the whole
 * image data stream, however much longer than the image it is, and every compressed text and colour
 * profile chunk (up to 8 MB each, any number of them). A 1 MB file of either kind costs seconds of
 * CPU (measured in docs/BENCHMARKS.md), so both are inflated here first, each against a budget, and
 * the image is refused as soon as a budget is exceeded: the image data may inflate only to what the
 * IHDR's rows need, and all compressed metadata together to {@link #MAX_METADATA_BYTES}.
 *
 * <p>A second IHDR and an APNG frame outside the canvas are refused as malformed.
 */
final class PngChunks {

    /** More chunks than any real PNG has: image data comes in chunks of 8 KiB or more. */
    static final int MAX_CHUNKS = 65_536;
    /** Compressed text and colour profiles together: ICC profiles are at most a few hundred KB. */
    static final long MAX_METADATA_BYTES = 4L << 20;
    /** Image data beyond its rows that is tolerated (encoders pad nothing, but be lenient). */
    private static final long IMAGE_DATA_SLACK = 4096;

    private final ByteReader in;
    private final byte[] scratch = new byte[64 * 1024];
    private final Inflater imageData = new Inflater();
    private long imageBytes;
    private long metadataBytes;

    private PngChunks(ByteReader in) {
        this.in = in;
    }

    static void check(byte[] png, ImageHeader header) throws CapabilityException {
        PngChunks chunks = new PngChunks(new ByteReader(png));
        try {
            chunks.walk(header);
        } catch (IndexOutOfBoundsException truncated) {
            throw CapabilityException.badInput("the PNG image could not be decoded: it is truncated inside a chunk ("
                    + png.length + " bytes)");
        } finally {
            chunks.imageData.end();
        }
    }

    private void walk(ImageHeader header) throws CapabilityException {
        long rows = rowBytes(header.width(), header.height(), in.u8(24), in.u8(25), in.u8(28));
        long offset = 8;
        for (int count = 0; offset + 8 <= in.length(); count++) {
            if (count >= MAX_CHUNKS) {
                throw CapabilityException.badInput("the PNG image has more than " + MAX_CHUNKS + " chunks");
            }
            long length = in.u32be((int) offset);
            String type = new String(in.bytes(), (int) offset + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            int data = (int) offset + 8;
            if (length > Integer.MAX_VALUE || data + length > in.length()) {
                throw CapabilityException.badInput("the PNG image could not be decoded: it is truncated or corrupt (its "
                        + type + " chunk declares " + length + " bytes, more than the file holds)");
            }
            int size = (int) length;
            switch (type) {
                case "IHDR" -> {
                    if (count > 0) {
                        throw CapabilityException.badInput("malformed PNG: a second IHDR chunk");
                    }
                }
                case "IDAT" -> {
                    imageBytes += inflate(imageData, data, size, rows + IMAGE_DATA_SLACK - imageBytes);
                    if (imageBytes > rows + IMAGE_DATA_SLACK) {
                        throw CapabilityException.badInput("malformed PNG: the image data inflates to more than the " + rows
                                + " bytes its " + header.width() + "x" + header.height() + " rows need");
                    }
                }
                case "zTXt", "iCCP" -> metadata(type, data + keywordEnd(data, size) + 2, data + size);
                case "iTXt" -> {
                    int flag = data + keywordEnd(data, size) + 1;
                    if (in.u8(flag) == 1) {
                        int language = zeroAfter(flag + 2, data + size);
                        int translated = zeroAfter(language + 1, data + size);
                        metadata(type, translated + 1, data + size);
                    }
                }
                case "fcTL" -> frame(header, data);
                case "IEND" -> {
                    return;
                }
                default -> {
                }
            }
            offset = data + length + 4;
        }
    }

    /** The offset of the zero byte that ends the keyword at the start of a chunk's data. */
    private int keywordEnd(int data, int size) throws CapabilityException {
        return zeroAfter(data, data + size) - data;
    }

    private int zeroAfter(int from, int end) throws CapabilityException {
        for (int i = from; i < end; i++) {
            if (in.u8(i) == 0) {
                return i;
            }
        }
        throw CapabilityException.badInput("malformed PNG: a text or profile chunk without its terminating zero");
    }

    private void metadata(String type, int from, int end) throws CapabilityException {
        if (from > end) {
            throw CapabilityException.badInput("malformed PNG: a " + type + " chunk too short for its fields");
        }
        Inflater inflater = new Inflater();
        try {
            metadataBytes += inflate(inflater, from, end - from, MAX_METADATA_BYTES - metadataBytes);
        } finally {
            inflater.end();
        }
        if (metadataBytes > MAX_METADATA_BYTES) {
            throw CapabilityException.tooLarge("the PNG image's compressed text and colour profiles inflate to more than "
                    + MAX_METADATA_BYTES + " bytes");
        }
    }

    /**
     * Inflates {@code size} bytes at {@code from} into scratch space, stopping once more than
     * {@code budget} bytes came out.
     *
     * @return the bytes inflated (more than the budget if it was exceeded)
     */
    private long inflate(Inflater inflater, int from, int size, long budget) throws CapabilityException {
        inflater.setInput(in.bytes(), from, size);
        long produced = 0;
        try {
            while (produced <= budget && !inflater.finished() && !inflater.needsInput() && !inflater.needsDictionary()) {
                produced += inflater.inflate(scratch);
            }
        } catch (DataFormatException e) {
            throw CapabilityException.badInput("the PNG image could not be decoded: corrupt compressed data (" + e.getMessage() + ")");
        }
        return produced;
    }

    /** An APNG frame control: the frame must lie on the canvas (APNG specification). */
    private void frame(ImageHeader header, int data) throws CapabilityException {
        long width = in.u32be(data + 4);
        long height = in.u32be(data + 8);
        long x = in.u32be(data + 12);
        long y = in.u32be(data + 16);
        if (width == 0 || height == 0 || x + width > header.width() || y + height > header.height()) {
            throw CapabilityException.badInput("malformed PNG: an animation frame of " + width + "x" + height + " at "
                    + x + "," + y + " outside the " + header.width() + "x" + header.height() + " canvas");
        }
    }

    /**
     * The bytes of filtered rows the image data must inflate to: a filter byte and the packed pixels
     * of each row, for each of the seven Adam7 passes when interlaced.
     */
    static long rowBytes(int width, int height, int bitDepth, int colourType, int interlace) throws CapabilityException {
        int channels = switch (colourType) {
            case 0, 3 -> 1;
            case 2 -> 3;
            case 4 -> 2;
            case 6 -> 4;
            default -> throw CapabilityException.badInput("malformed PNG: colour type " + colourType);
        };
        long bits = (long) channels * bitDepth;
        if (interlace == 0) {
            return (long) height * ((width * bits + 7) / 8 + 1);
        }
        int[][] passes = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};
        long total = 0;
        for (int[] p : passes) {
            long w = width > p[0] ? (width - p[0] + p[2] - 1) / p[2] : 0;
            long h = height > p[1] ? (height - p[1] + p[3] - 1) / p[3] : 0;
            if (w > 0 && h > 0) {
                total += h * ((w * bits + 7) / 8 + 1);
            }
        }
        return total;
    }
}
