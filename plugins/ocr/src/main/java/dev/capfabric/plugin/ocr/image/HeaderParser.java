package dev.capfabric.plugin.ocr.image;

import dev.capfabric.spi.CapabilityException;

/**
 * Finds the dimensions in the header of each supported format, following the published layouts:
 * the PNG IHDR chunk, the JPEG start-of-frame segment, every TIFF image file directory, the BMP info
 * header and the WebP VP8/VP8L/VP8X chunks.
 *
 * <p>The dimensions given are those the decoder will allocate for, not merely the first ones found:
 * a TIFF tag given twice (decoders take the first, a lenient reader the last) is refused, every TIFF
 * page counts (the largest is given), a JPEG's frame headers all count and its scans are counted,
 * since a progressive JPEG costs a pass over the whole image per scan; a WebP's canvas and its
 * frame must both fit, and every frame of an animation (ANMF) must lie on the canvas.
 */
final class HeaderParser {

    private static final int TIFF_IMAGE_WIDTH = 256;
    private static final int TIFF_IMAGE_LENGTH = 257;
    private static final int TIFF_SHORT = 3;
    private static final int TIFF_LONG = 4;
    /** More IFD entries than any real image has; bounds the scan of a hostile directory. */
    private static final int TIFF_MAX_ENTRIES = 4096;
    /** More pages than an OCR job has any use for; bounds the walk of a hostile chain of directories. */
    static final int TIFF_MAX_PAGES = 256;
    /** The most scans a JPEG may have: progressive encoders write about ten. */
    static final int JPEG_MAX_SCANS = 100;
    /** Scans × pixels above this cost seconds of CPU to decode: 25 scans of a 40-megapixel page. */
    static final long JPEG_MAX_SCAN_PIXELS = 1_000_000_000L;

    private HeaderParser() {
    }

    static ImageHeader parse(ByteReader in) throws CapabilityException {
        if (in.startsWith(0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return png(in);
        }
        if (in.startsWith(0, 0xFF, 0xD8, 0xFF)) {
            return jpeg(in);
        }
        if (in.startsWith(0, "II") || in.startsWith(0, "MM")) {
            return tiff(in);
        }
        if (in.startsWith(0, "BM")) {
            return bmp(in);
        }
        if (in.startsWith(0, "RIFF") && in.startsWith(8, "WEBP")) {
            return webp(in);
        }
        throw CapabilityException.badInput("not a PNG, JPEG, TIFF, BMP or WebP image"
                + (in.length() == 0 ? " (the body is empty)" : ""));
    }

    private static ImageHeader png(ByteReader in) throws CapabilityException {
        if (!in.startsWith(12, "IHDR")) {
            throw CapabilityException.badInput("malformed PNG: the first chunk is not IHDR");
        }
        return dimensions(ImageFormat.PNG, in.u32be(16), in.u32be(20));
    }

    private static ImageHeader jpeg(ByteReader in) throws CapabilityException {
        int offset = 2;
        long width = -1;
        long height = -1;
        int scans = 0;
        while (true) {
            if (offset >= in.length() && scans > 0) {
                break; // the data runs to the end without an end-of-image marker, as many writers leave it
            }
            if (in.u8(offset) != 0xFF) { // past the end before any scan: the header is truncated
                throw CapabilityException.badInput("malformed JPEG: no marker at byte " + offset);
            }
            int marker = in.u8(offset + 1);
            if (marker == 0xFF) {
                offset++; // fill byte before a marker
                continue;
            }
            boolean standalone = marker == 0x01 || marker >= 0xD0 && marker <= 0xD8;
            if (standalone) {
                offset += 2;
                continue;
            }
            if (marker == 0xD9) {
                break; // end of image
            }
            int length = in.u16be(offset + 2);
            if (length < 2) {
                throw CapabilityException.badInput("malformed JPEG: segment length " + length);
            }
            boolean startOfFrame = marker >= 0xC0 && marker <= 0xCF
                    && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (startOfFrame) {
                // decoders refuse a second frame, or (hierarchical JPEG) decode each: the largest counts
                width = Math.max(width, in.u16be(offset + 7));
                height = Math.max(height, in.u16be(offset + 5));
            }
            if (marker == 0xDA) {
                if (width < 0) {
                    throw CapabilityException.badInput("malformed JPEG: no frame header before the image data");
                }
                scans++;
                offset = afterEntropyCodedData(in, offset + 2 + length);
                continue;
            }
            offset += 2 + length;
        }
        if (width < 0) {
            throw CapabilityException.badInput("malformed JPEG: no frame header before the image data");
        }
        ImageHeader header = dimensions(ImageFormat.JPEG, width, height);
        if (scans > JPEG_MAX_SCANS || scans * header.pixels() > JPEG_MAX_SCAN_PIXELS) {
            throw CapabilityException.tooLarge(String.format(java.util.Locale.ROOT,
                    "the JPEG has %d scans over %.1f megapixels; decoding costs a pass per scan, and at most %d scans"
                            + " or %.0f megapixel-scans are accepted", scans, header.pixels() / 1e6, JPEG_MAX_SCANS,
                    JPEG_MAX_SCAN_PIXELS / 1e6));
        }
        return header;
    }

    /** The offset of the first marker after a scan's entropy-coded data (or the end of the data). */
    private static int afterEntropyCodedData(ByteReader in, int offset) {
        int end = in.length();
        for (int i = offset; i < end - 1; i++) {
            if (in.u8(i) == 0xFF) {
                int next = in.u8(i + 1);
                if (next != 0x00 && !(next >= 0xD0 && next <= 0xD7) && next != 0xFF) {
                    return i;
                }
            }
        }
        return end;
    }

    private static ImageHeader tiff(ByteReader in) throws CapabilityException {
        boolean little = in.u8(0) == 'I';
        int magic = little ? in.u16le(2) : in.u16be(2);
        if (magic == 43) {
            throw CapabilityException.badInput("BigTIFF images are not supported");
        }
        if (magic != 42) {
            throw CapabilityException.badInput("not a PNG, JPEG, TIFF, BMP or WebP image");
        }
        long ifd = little ? in.u32le(4) : in.u32be(4);
        ImageHeader largest = null;
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (int page = 0; ifd != 0; page++) {
            if (page >= TIFF_MAX_PAGES) {
                throw CapabilityException.tooLarge("the TIFF has more than " + TIFF_MAX_PAGES + " pages");
            }
            if (ifd > Integer.MAX_VALUE - 2 || !seen.add(ifd)) {
                throw CapabilityException.badInput("malformed TIFF: directory offset " + ifd
                        + (seen.contains(ifd) ? " loops back" : ""));
            }
            int entries = little ? in.u16le((int) ifd) : in.u16be((int) ifd);
            if (entries > TIFF_MAX_ENTRIES) {
                throw CapabilityException.badInput("malformed TIFF: " + entries + " directory entries");
            }
            ImageHeader header = tiffPage(in, little, (int) ifd, entries, page);
            if (largest == null || header.pixels() > largest.pixels()) {
                largest = header;
            }
            long next = (long) ifd + 2 + 12L * entries;
            if (next > Integer.MAX_VALUE - 4) {
                throw CapabilityException.badInput("malformed TIFF: directory " + page + " runs past the end");
            }
            ifd = little ? in.u32le((int) next) : in.u32be((int) next);
        }
        if (largest == null) {
            throw CapabilityException.badInput("malformed TIFF: no image directory");
        }
        return largest;
    }

    /** One directory's dimensions; a dimension tag that appears twice is refused. */
    private static ImageHeader tiffPage(ByteReader in, boolean little, int ifd, int entries, int page) throws CapabilityException {
        long width = -1;
        long height = -1;
        for (int i = 0; i < entries; i++) {
            int entry = ifd + 2 + 12 * i;
            int tag = little ? in.u16le(entry) : in.u16be(entry);
            int type = little ? in.u16le(entry + 2) : in.u16be(entry + 2);
            if (tag != TIFF_IMAGE_WIDTH && tag != TIFF_IMAGE_LENGTH) {
                continue;
            }
            long value;
            if (type == TIFF_SHORT) {
                value = little ? in.u16le(entry + 8) : in.u16be(entry + 8);
            } else if (type == TIFF_LONG) {
                value = little ? in.u32le(entry + 8) : in.u32be(entry + 8);
            } else {
                throw CapabilityException.badInput("malformed TIFF: dimension tag of type " + type);
            }
            if ((tag == TIFF_IMAGE_WIDTH ? width : height) >= 0) {
                throw CapabilityException.badInput("malformed TIFF: directory " + page + " gives tag " + tag
                        + " (image " + (tag == TIFF_IMAGE_WIDTH ? "width" : "length") + ") twice");
            }
            if (tag == TIFF_IMAGE_WIDTH) {
                width = value;
            } else {
                height = value;
            }
        }
        if (width < 0 || height < 0) {
            throw CapabilityException.badInput("malformed TIFF: directory " + page + " has no image width or length");
        }
        return dimensions(ImageFormat.TIFF, width, height);
    }

    private static ImageHeader bmp(ByteReader in) throws CapabilityException {
        long infoSize = in.u32le(14);
        if (infoSize == 12) {
            return dimensions(ImageFormat.BMP, in.u16le(18), in.u16le(20));
        }
        if (infoSize < 40) {
            throw CapabilityException.badInput("malformed BMP: info header of " + infoSize + " bytes");
        }
        long width = (int) in.u32le(18);
        long height = Math.abs((long) (int) in.u32le(22)); // negative height: rows stored top-down
        return dimensions(ImageFormat.BMP, width, height);
    }

    private static ImageHeader webp(ByteReader in) throws CapabilityException {
        if (in.startsWith(12, "VP8 ")) {
            if (!in.startsWith(23, 0x9D, 0x01, 0x2A)) {
                throw CapabilityException.badInput("malformed WebP: no VP8 start code");
            }
            return dimensions(ImageFormat.WEBP, in.u16le(26) & 0x3FFF, in.u16le(28) & 0x3FFF);
        }
        if (in.startsWith(12, "VP8L")) {
            if (in.u8(20) != 0x2F) {
                throw CapabilityException.badInput("malformed WebP: no VP8L signature");
            }
            long bits = in.u32le(21);
            return dimensions(ImageFormat.WEBP, (bits & 0x3FFF) + 1, (bits >> 14 & 0x3FFF) + 1);
        }
        if (in.startsWith(12, "VP8X")) {
            ImageHeader canvas = dimensions(ImageFormat.WEBP, in.u24le(24) + 1L, in.u24le(27) + 1L);
            // the frames after the canvas chunk: each must fit the canvas, or the decoder allocates for it
            long chunk = 12 + 8 + in.u32le(16);
            for (int frames = 0; chunk + 8 <= in.length() && frames < 4096; frames++) {
                long size = in.u32le((int) chunk + 4);
                ImageHeader frame = null;
                if (in.startsWith((int) chunk, "VP8 ") || in.startsWith((int) chunk, "VP8L")) {
                    frame = webp(new ByteReader(java.util.Arrays.copyOfRange(in.bytes(), (int) chunk - 12,
                            (int) Math.min(in.length(), chunk + 8 + Math.max(size, 0)))));
                }
                if (in.startsWith((int) chunk, "ANMF")) {
                    animationFrame(in, (int) chunk + 8, canvas);
                }
                if (frame != null && (frame.width() > canvas.width() || frame.height() > canvas.height())) {
                    throw CapabilityException.badInput("malformed WebP: a " + frame.width() + "x" + frame.height()
                            + " frame on a " + canvas.width() + "x" + canvas.height() + " canvas");
                }
                chunk += 8 + size + (size & 1);
                if (chunk > Integer.MAX_VALUE - 8) {
                    break;
                }
            }
            return canvas;
        }
        throw CapabilityException.badInput("malformed WebP: unknown first chunk");
    }

    /**
     * An animated WebP's frame (ANMF): offset and size must keep it on the canvas, and the bitstream
     * inside must fit the frame (WebP container specification), or a decoder allocates for it.
     */
    private static void animationFrame(ByteReader in, int payload, ImageHeader canvas) throws CapabilityException {
        long x = 2L * in.u24le(payload);
        long y = 2L * in.u24le(payload + 3);
        long width = in.u24le(payload + 6) + 1L;
        long height = in.u24le(payload + 9) + 1L;
        if (x + width > canvas.width() || y + height > canvas.height()) {
            throw CapabilityException.badInput("malformed WebP: an animation frame of " + width + "x" + height + " at " + x + "," + y
                    + " outside the " + canvas.width() + "x" + canvas.height() + " canvas");
        }
        int bitstream = payload + 16;
        if (in.startsWith(bitstream, "VP8 ") || in.startsWith(bitstream, "VP8L")) {
            long size = in.u32le(bitstream + 4);
            ImageHeader frame = webp(new ByteReader(java.util.Arrays.copyOfRange(in.bytes(), bitstream - 12,
                    (int) Math.min(in.length(), bitstream + 8 + Math.max(size, 0)))));
            if (frame.width() > width || frame.height() > height) {
                throw CapabilityException.badInput("malformed WebP: a " + frame.width() + "x" + frame.height()
                        + " bitstream in a " + width + "x" + height + " animation frame");
            }
        }
    }

    private static ImageHeader dimensions(ImageFormat format, long width, long height) throws CapabilityException {
        if (width <= 0 || height <= 0 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
            throw CapabilityException.badInput("the " + format + " header gives impossible dimensions "
                    + width + "x" + height);
        }
        return new ImageHeader(format, (int) width, (int) height);
    }
}
