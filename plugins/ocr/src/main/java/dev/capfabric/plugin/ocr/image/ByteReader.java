package dev.capfabric.plugin.ocr.image;

/** Bounds-checked big- and little-endian reads from a byte array; out-of-range reads throw. */
final class ByteReader {

    private final byte[] bytes;

    ByteReader(byte[] bytes) {
        this.bytes = bytes;
    }

    byte[] bytes() {
        return bytes;
    }

    int length() {
        return bytes.length;
    }

    int u8(int offset) {
        return bytes[offset] & 0xFF;
    }

    int u16be(int offset) {
        return u8(offset) << 8 | u8(offset + 1);
    }

    int u16le(int offset) {
        return u8(offset) | u8(offset + 1) << 8;
    }

    int u24le(int offset) {
        return u16le(offset) | u8(offset + 2) << 16;
    }

    long u32be(int offset) {
        return (long) u16be(offset) << 16 | u16be(offset + 2);
    }

    long u32le(int offset) {
        return u16le(offset) | (long) u16le(offset + 2) << 16;
    }

    boolean startsWith(int offset, int... expected) {
        if (offset + expected.length > bytes.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (u8(offset + i) != expected[i]) {
                return false;
            }
        }
        return true;
    }

    boolean startsWith(int offset, String ascii) {
        return startsWith(offset, ascii.chars().toArray());
    }
}
