package dev.capfabric.plugin.stt.audio;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static java.util.Objects.requireNonNull;

/**
 * Audio ready for a recogniser: mono, 16-bit, at the rate the engine wants.
 *
 * @param samples         signed 16-bit samples
 * @param sampleRate      samples per second
 * @param durationSeconds length of the audio as received
 * @param sourceFormat    what was received, such as {@code "24-bit PCM, 44100 Hz, 2 channels"}
 */
public record SpeechAudio(short[] samples, int sampleRate, double durationSeconds, String sourceFormat) {

    public SpeechAudio {
        requireNonNull(samples, "samples is null");
        requireNonNull(sourceFormat, "sourceFormat is null");
    }

    /** The samples as little-endian bytes, the raw layout the Sphinx engines read. */
    public byte[] littleEndianBytes() {
        byte[] bytes = new byte[samples.length * 2];
        for (int i = 0; i < samples.length; i++) {
            bytes[2 * i] = (byte) samples[i];
            bytes[2 * i + 1] = (byte) (samples[i] >> 8);
        }
        return bytes;
    }

    /** A canonical 44-byte-header PCM WAV file of these samples. */
    public byte[] toWav() {
        byte[] data = littleEndianBytes();
        ByteArrayOutputStream out = new ByteArrayOutputStream(44 + data.length);
        out.writeBytes("RIFF".getBytes(StandardCharsets.ISO_8859_1));
        writeInt(out, 36 + data.length);
        out.writeBytes("WAVEfmt ".getBytes(StandardCharsets.ISO_8859_1));
        writeInt(out, 16);
        writeShort(out, 1);
        writeShort(out, 1);
        writeInt(out, sampleRate);
        writeInt(out, sampleRate * 2);
        writeShort(out, 2);
        writeShort(out, 16);
        out.writeBytes("data".getBytes(StandardCharsets.ISO_8859_1));
        writeInt(out, data.length);
        out.writeBytes(data);
        return out.toByteArray();
    }

    private static void writeInt(ByteArrayOutputStream out, int value) {
        writeShort(out, value & 0xffff);
        writeShort(out, value >>> 16);
    }

    private static void writeShort(ByteArrayOutputStream out, int value) {
        out.write(value & 0xff);
        out.write((value >> 8) & 0xff);
    }
}
