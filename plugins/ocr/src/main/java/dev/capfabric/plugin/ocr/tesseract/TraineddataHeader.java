package dev.capfabric.plugin.ocr.tesseract;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * A look at a traineddata file's table of contents, without loading the model: the provider loads
 * models on the first job that needs them, so this is what tells at creation that a file is not a
 * traineddata file at all (empty, truncated before its table, text, another format).
 *
 * <p>The layout is Tesseract's {@code TessdataManager}: a little-endian 32-bit count of entries, then
 * one 64-bit offset per entry, -1 for an entry the file lacks; present entries lie after the table,
 * in increasing order, within the file.
 */
final class TraineddataHeader {

    /** Tesseract's own bound on the entry count (kMaxNumTessdataEntries). */
    private static final int MAX_ENTRIES = 1000;

    private TraineddataHeader() {
    }

    /** What is wrong with {@code file} as a traineddata file, or empty when its table of contents is sound. */
    static Optional<String> problem(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            ByteBuffer count = read(channel, 0, Integer.BYTES);
            if (count == null) {
                return Optional.of("too short to be a traineddata file (" + size + " bytes)");
            }
            int entries = count.getInt();
            if (entries <= 0 || entries > MAX_ENTRIES) {
                return Optional.of("not a traineddata file (its table of contents claims " + entries + " entries)");
            }
            long tableEnd = Integer.BYTES + (long) Long.BYTES * entries;
            ByteBuffer table = read(channel, Integer.BYTES, (int) (tableEnd - Integer.BYTES));
            if (table == null) {
                return Optional.of("truncated: " + size + " bytes, shorter than its table of contents");
            }
            long previous = tableEnd;
            int present = 0;
            for (int i = 0; i < entries; i++) {
                long offset = table.getLong();
                if (offset == -1) {
                    continue;
                }
                if (offset < previous || offset > size) {
                    return Optional.of("not a traineddata file, or truncated (entry " + i + " at offset " + offset
                            + " of a " + size + "-byte file)");
                }
                previous = offset;
                present++;
            }
            return present == 0 ? Optional.of("a traineddata file without any component") : Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot be read: " + e.getMessage());
        }
    }

    /** {@code length} bytes at {@code position}, little-endian, or null when the file ends before them. */
    private static ByteBuffer read(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                return null;
            }
        }
        return buffer.flip();
    }
}
