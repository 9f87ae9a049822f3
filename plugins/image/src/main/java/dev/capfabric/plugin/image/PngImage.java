package dev.capfabric.plugin.image;

import dev.capfabric.spi.CapabilityException;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

import static java.util.Objects.requireNonNull;

/**
 * Bytes known to be a complete PNG: they start with the PNG signature and an {@code IHDR} chunk
 * and end with the {@code IEND} chunk. Checked without decoding the pixels, so a backend's garbage or a
 * truncated transfer is caught at the cost of reading a few bytes.
 *
 * @param bytes  the PNG file
 * @param width  pixels across, from the header
 * @param height pixels down, from the header
 */
record PngImage(byte[] bytes, int width, int height) {

    static final String MEDIA_TYPE = "image/png";

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final byte[] IHDR_START = {0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    // a zero-length IEND chunk is always these 12 bytes: length, type, CRC
    private static final byte[] IEND = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xae, 0x42, 0x60, (byte) 0x82};
    private static final int HEADER_BYTES = SIGNATURE.length + IHDR_START.length + 8;

    PngImage {
        requireNonNull(bytes, "bytes is null");
    }

    /**
     * Checks that {@code bytes} are a complete PNG.
     *
     * @param origin where the bytes came from, for the message
     * @throws CapabilityException {@code UNAVAILABLE} when they are not: the backend misbehaved, and
     *                             another node may do better
     */
    static PngImage verify(byte[] bytes, String origin) throws CapabilityException {
        if (bytes.length < HEADER_BYTES + IEND.length
                || !Arrays.equals(bytes, 0, SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length)) {
            throw CapabilityException.unavailable(origin + " is not a PNG image (" + bytes.length + " bytes, starting "
                    + HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 8)) + ")");
        }
        if (!Arrays.equals(bytes, SIGNATURE.length, SIGNATURE.length + IHDR_START.length, IHDR_START, 0, IHDR_START.length)) {
            throw CapabilityException.unavailable(origin + " is a damaged PNG image: it has no IHDR header chunk");
        }
        if (!Arrays.equals(bytes, bytes.length - IEND.length, bytes.length, IEND, 0, IEND.length)) {
            throw CapabilityException.unavailable(origin + " is a truncated PNG image: it does not end with an IEND chunk ("
                    + bytes.length + " bytes)");
        }
        ByteBuffer header = ByteBuffer.wrap(bytes, SIGNATURE.length + IHDR_START.length, 8);
        int width = header.getInt();
        int height = header.getInt();
        if (width <= 0 || height <= 0) {
            throw CapabilityException.unavailable(origin + " is a damaged PNG image: its header says "
                    + Integer.toUnsignedString(width) + "x" + Integer.toUnsignedString(height) + " pixels");
        }
        return new PngImage(bytes, width, height);
    }

    /**
     * Decodes a base64 PNG as backends send it in JSON, with or without a {@code data:image/png;base64,}
     * prefix, and {@linkplain #verify verifies} it.
     */
    static PngImage fromBase64(String text, String origin) throws CapabilityException {
        String base64 = text.startsWith("data:") ? text.substring(text.indexOf(',') + 1) : text;
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw CapabilityException.unavailable(origin + " is not valid base64: " + e.getMessage());
        }
        return verify(bytes, origin);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PngImage other && width == other.width && height == other.height
                && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(bytes) + width * 17 + height;
    }

    @Override
    public String toString() {
        return "PngImage[" + width + "x" + height + ", " + bytes.length + " bytes]";
    }
}
