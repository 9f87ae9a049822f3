package dev.capfabric.plugin.ocr.image;

import dev.capfabric.spi.CapabilityException;

/**
 * Finds the dimensions in the header of each supported format, following the published layouts:
 * the PNG IHDR chunk, the JPEG start-of-frame segment, the first TIFF image file directory, the
 * BMP info header and the WebP VP8/VP8L/VP8X chunk.
 */
final class HeaderParser {

    private static final int TIFF_IMAGE_WIDTH = 256;
    private static final int TIFF_IMAGE_LENGTH = 257;
    private static final int TIFF_SHORT = 3;
    private static final int TIFF_LONG = 4;
    /** More IFD entries than any real image has; bounds the scan of a hostile directory. */
    private static final int TIFF_MAX_ENTRIES = 4096;

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
        while (true) {
            if (in.u8(offset) != 0xFF) {
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
            if (marker == 0xDA || marker == 0xD9) {
                throw CapabilityException.badInput("malformed JPEG: no frame header before the image data");
            }
            int length = in.u16be(offset + 2);
            if (length < 2) {
                throw CapabilityException.badInput("malformed JPEG: segment length " + length);
            }
            boolean startOfFrame = marker >= 0xC0 && marker <= 0xCF
                    && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (startOfFrame) {
                return dimensions(ImageFormat.JPEG, in.u16be(offset + 7), in.u16be(offset + 5));
            }
            offset += 2 + length;
        }
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
        if (ifd > Integer.MAX_VALUE - 2) {
            throw CapabilityException.badInput("malformed TIFF: directory offset " + ifd);
        }
        int entries = little ? in.u16le((int) ifd) : in.u16be((int) ifd);
        if (entries > TIFF_MAX_ENTRIES) {
            throw CapabilityException.badInput("malformed TIFF: " + entries + " directory entries");
        }
        long width = -1;
        long height = -1;
        for (int i = 0; i < entries; i++) {
            int entry = (int) ifd + 2 + 12 * i;
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
            if (tag == TIFF_IMAGE_WIDTH) {
                width = value;
            } else {
                height = value;
            }
        }
        if (width < 0 || height < 0) {
            throw CapabilityException.badInput("malformed TIFF: the first directory has no image width or length");
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
            return dimensions(ImageFormat.WEBP, in.u24le(24) + 1L, in.u24le(27) + 1L);
        }
        throw CapabilityException.badInput("malformed WebP: unknown first chunk");
    }

    private static ImageHeader dimensions(ImageFormat format, long width, long height) throws CapabilityException {
        if (width <= 0 || height <= 0 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
            throw CapabilityException.badInput("the " + format + " header gives impossible dimensions "
                    + width + "x" + height);
        }
        return new ImageHeader(format, (int) width, (int) height);
    }
}
