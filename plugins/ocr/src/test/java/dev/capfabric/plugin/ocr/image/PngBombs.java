package dev.capfabric.plugin.ocr.image;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * PNGs built chunk by chunk (the layout of the PNG specification, 3rd edition): a small valid image
 * with hostile chunks after its IHDR: compressed text and colour profiles that inflate far beyond
 * their size, image data that inflates beyond the image, a second IHDR, APNG frames off the canvas.
 */
public final class PngBombs {

    private PngBombs() {
    }

    /** A PNG chunk: length, type, data, CRC over type and data. */
    public static byte[] chunk(String type, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(12 + data.length);
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        b.putInt(data.length).put(name).put(data);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    public static byte[] ihdr(int width, int height) {
        return chunk("IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 0)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
    }

    /** zlib data of {@code size} zero bytes (deflate shrinks it about a thousandfold). */
    public static byte[] zeros(long size) {
        Deflater deflater = new Deflater(9);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] block = new byte[1 << 20];
        byte[] buffer = new byte[1 << 16];
        for (long left = size; left > 0; left -= block.length) {
            deflater.setInput(block, 0, (int) Math.min(block.length, left));
            while (!deflater.needsInput()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
        }
        deflater.finish();
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        return out.toByteArray();
    }

    /** A white 8-bit grey image of width × height whose IDAT holds {@code extra} zero bytes more than it needs. */
    public static byte[] idat(int width, int height, long extra) {
        return chunk("IDAT", zeros((long) (width + 1) * height + extra));
    }

    public static byte[] png(byte[]... chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[]{(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        for (byte[] chunk : chunks) {
            out.writeBytes(chunk);
        }
        out.writeBytes(chunk("IEND", new byte[0]));
        return out.toByteArray();
    }

    /** A zTXt chunk whose text inflates to {@code size} bytes. */
    public static byte[] ztxt(long size) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes("Comment".getBytes(StandardCharsets.ISO_8859_1));
        data.write(0);
        data.write(0); // compression method: zlib
        data.writeBytes(zeros(size));
        return chunk("zTXt", data.toByteArray());
    }

    /** An iCCP chunk whose profile inflates to {@code size} bytes. */
    public static byte[] iccp(long size) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes("icc".getBytes(StandardCharsets.ISO_8859_1));
        data.write(0);
        data.write(0);
        data.writeBytes(zeros(size));
        return chunk("iCCP", data.toByteArray());
    }

    /** A compressed iTXt chunk whose text inflates to {@code size} bytes. */
    public static byte[] itxt(long size) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes("Comment".getBytes(StandardCharsets.ISO_8859_1));
        data.write(0);
        data.write(1); // compressed
        data.write(0); // zlib
        data.write(0); // no language tag
        data.write(0); // no translated keyword
        data.writeBytes(zeros(size));
        return chunk("iTXt", data.toByteArray());
    }

    /** An APNG acTL (frame count) chunk. */
    public static byte[] actl(int frames) {
        return chunk("acTL", ByteBuffer.allocate(8).putInt(frames).putInt(0).array());
    }

    /** An APNG fcTL chunk: a frame of width × height at (x, y). */
    public static byte[] fctl(int sequence, int width, int height, int x, int y) {
        return chunk("fcTL", ByteBuffer.allocate(26).putInt(sequence).putInt(width).putInt(height).putInt(x).putInt(y)
                .putShort((short) 1).putShort((short) 10).put((byte) 0).put((byte) 0).array());
    }
}
