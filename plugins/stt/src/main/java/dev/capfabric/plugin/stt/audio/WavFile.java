package dev.capfabric.plugin.stt.audio;

import dev.capfabric.spi.CapabilityException;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import static java.util.Objects.requireNonNull;

/**
 * A parsed RIFF/WAVE file: its sample format and where its samples lie. Parsing checks the whole
 * header, so a {@code WavFile} always describes samples that {@link #decode()} can read.
 *
 * <p>Accepted encodings: integer PCM of 8 (unsigned), 16, 24 or 32 bits, IEEE float of 32 or 64 bits,
 * G.711 A-law and µ-law, each plain or wrapped in {@code WAVE_FORMAT_EXTENSIBLE}.
 *
 * @param encoding      how samples are stored
 * @param channels      interleaved channels per frame
 * @param sampleRate    frames per second
 * @param bitsPerSample bits of one sample of one channel as stored
 * @param bytes         the whole file
 * @param dataOffset    where the first frame starts in {@code bytes}
 * @param frames        how many whole frames the data chunk holds
 */
public record WavFile(Encoding encoding, int channels, int sampleRate, int bitsPerSample,
                      byte[] bytes, int dataOffset, int frames) {

    /** How the samples of a WAV file are stored. */
    public enum Encoding { PCM, FLOAT, ALAW, MULAW }

    private static final int MIN_RATE = 4_000;
    private static final int MAX_RATE = 384_000;
    private static final int MAX_CHANNELS = 32;

    public WavFile {
        requireNonNull(encoding, "encoding is null");
        requireNonNull(bytes, "bytes is null");
    }

    /**
     * Parses the header of a WAV file.
     *
     * @throws CapabilityException {@code BAD_INPUT} naming what is wrong when the bytes are not a WAV file
     *                             this decoder can read
     */
    public static WavFile parse(byte[] bytes) throws CapabilityException {
        requireNonNull(bytes, "bytes is null");
        if (bytes.length < 12 || !tag(bytes, 0).equals("RIFF") || !tag(bytes, 8).equals("WAVE")) {
            throw CapabilityException.badInput("not a WAV file: " + AudioSniffer.describe(bytes));
        }
        Format format = null;
        int dataOffset = -1;
        long dataLength = 0;
        int chunk = 12;
        while (chunk + 8 <= bytes.length && (format == null || dataOffset < 0)) {
            String id = tag(bytes, chunk);
            long size = u32(bytes, chunk + 4);
            int body = chunk + 8;
            if (id.equals("fmt ")) {
                format = Format.read(bytes, body, size);
            } else if (id.equals("data")) {
                dataOffset = body;
                // streaming writers leave the size at a placeholder: take what is there
                dataLength = Math.min(size, bytes.length - body);
            }
            chunk = (int) Math.min(bytes.length, body + size + (size & 1));
        }
        if (format == null) {
            throw CapabilityException.badInput("WAV file has no 'fmt ' chunk");
        }
        if (dataOffset < 0) {
            throw CapabilityException.badInput("WAV file has no 'data' chunk");
        }
        long frames = dataLength / format.blockAlign();
        if (frames == 0) {
            throw CapabilityException.badInput("WAV file holds no audio samples");
        }
        return new WavFile(format.encoding(), format.channels(), format.sampleRate(), format.bitsPerSample(),
                bytes, dataOffset, (int) frames);
    }

    /** Length of the audio in seconds. */
    public double durationSeconds() {
        return (double) frames / sampleRate;
    }

    /** A short description such as {@code "16-bit PCM, 44100 Hz, 2 channels"}. */
    public String describe() {
        String kind = switch (encoding) {
            case PCM -> bitsPerSample + "-bit PCM";
            case FLOAT -> bitsPerSample + "-bit float";
            case ALAW -> "A-law";
            case MULAW -> "µ-law";
        };
        return kind + ", " + sampleRate + " Hz, " + channels + (channels == 1 ? " channel" : " channels");
    }

    /** Decodes every frame to floats in [-1, 1], one array per channel. */
    public PcmAudio decode() {
        float[][] out = new float[channels][frames];
        int bytesPerSample = bitsPerSample / 8;
        int position = dataOffset;
        for (int frame = 0; frame < frames; frame++) {
            for (int channel = 0; channel < channels; channel++) {
                out[channel][frame] = sample(position);
                position += bytesPerSample;
            }
        }
        return new PcmAudio(out, sampleRate);
    }

    private float sample(int at) {
        return switch (encoding) {
            case PCM -> switch (bitsPerSample) {
                case 8 -> ((bytes[at] & 0xff) - 128) / 128f;
                case 16 -> (short) ((bytes[at] & 0xff) | bytes[at + 1] << 8) / 32768f;
                case 24 -> ((bytes[at] & 0xff) | (bytes[at + 1] & 0xff) << 8 | bytes[at + 2] << 16) / 8388608f;
                default -> (float) ((int) u32(bytes, at) / 2147483648.0);
            };
            case FLOAT -> bitsPerSample == 32
                    ? finite(Float.intBitsToFloat((int) u32(bytes, at)))
                    : finite((float) Double.longBitsToDouble(u32(bytes, at) | u32(bytes, at + 4) << 32));
            case ALAW -> G711.alaw(bytes[at]) / 32768f;
            case MULAW -> G711.mulaw(bytes[at]) / 32768f;
        };
    }

    private static float finite(float value) {
        return Float.isFinite(value) ? value : 0f;
    }

    private static String tag(byte[] bytes, int at) {
        return new String(bytes, at, 4, StandardCharsets.ISO_8859_1);
    }

    private static int u16(byte[] bytes, int at) {
        return (bytes[at] & 0xff) | (bytes[at + 1] & 0xff) << 8;
    }

    private static long u32(byte[] bytes, int at) {
        return (u16(bytes, at) | (long) u16(bytes, at + 2) << 16) & 0xffffffffL;
    }

    /** The 'fmt ' chunk, checked. */
    private record Format(Encoding encoding, int channels, int sampleRate, int bitsPerSample, int blockAlign) {

        private static final int PCM = 0x0001;
        private static final int IEEE_FLOAT = 0x0003;
        private static final int ALAW = 0x0006;
        private static final int MULAW = 0x0007;
        private static final int EXTENSIBLE = 0xFFFE;

        static Format read(byte[] bytes, int at, long size) throws CapabilityException {
            if (size < 16 || at + 16 > bytes.length) {
                throw CapabilityException.badInput("WAV 'fmt ' chunk is truncated");
            }
            int tag = u16(bytes, at);
            int channels = u16(bytes, at + 2);
            long sampleRate = u32(bytes, at + 4);
            int blockAlign = u16(bytes, at + 12);
            int bits = u16(bytes, at + 14);
            if (tag == EXTENSIBLE) {
                if (size < 40 || at + 40 > bytes.length) {
                    throw CapabilityException.badInput("WAV 'fmt ' chunk of WAVE_FORMAT_EXTENSIBLE is truncated");
                }
                tag = u16(bytes, at + 24);
            }
            Encoding encoding = switch (tag) {
                case PCM -> Encoding.PCM;
                case IEEE_FLOAT -> Encoding.FLOAT;
                case ALAW -> Encoding.ALAW;
                case MULAW -> Encoding.MULAW;
                default -> throw CapabilityException.badInput("unsupported WAV encoding " + encodingName(tag)
                        + ": send PCM (8, 16, 24 or 32 bit), 32/64-bit float, A-law or µ-law");
            };
            boolean bitsFit = switch (encoding) {
                case PCM -> bits == 8 || bits == 16 || bits == 24 || bits == 32;
                case FLOAT -> bits == 32 || bits == 64;
                case ALAW, MULAW -> bits == 8;
            };
            if (!bitsFit) {
                throw CapabilityException.badInput("unsupported WAV sample size: " + bits + "-bit "
                        + encoding.name().toLowerCase(Locale.ROOT));
            }
            if (channels < 1 || channels > MAX_CHANNELS) {
                throw CapabilityException.badInput("WAV channel count " + channels + " is outside 1.." + MAX_CHANNELS);
            }
            if (sampleRate < MIN_RATE || sampleRate > MAX_RATE) {
                throw CapabilityException.badInput("WAV sample rate " + sampleRate + " Hz is outside "
                        + MIN_RATE + ".." + MAX_RATE + " Hz");
            }
            if (blockAlign != channels * bits / 8) {
                throw CapabilityException.badInput("WAV block align " + blockAlign + " does not match "
                        + channels + " channels of " + bits + " bits");
            }
            return new Format(encoding, channels, (int) sampleRate, bits, blockAlign);
        }

        private static String encodingName(int tag) {
            String name = switch (tag) {
                case 0x0002 -> "MS ADPCM";
                case 0x0011 -> "IMA ADPCM";
                case 0x0031 -> "GSM 6.10";
                case 0x0050 -> "MPEG";
                case 0x0055 -> "MP3";
                case 0x00FF -> "AAC";
                default -> "format";
            };
            return String.format(Locale.ROOT, "'%s' (format tag 0x%04X)", name, tag);
        }
    }
}
