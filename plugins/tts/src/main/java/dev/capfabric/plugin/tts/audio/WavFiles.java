package dev.capfabric.plugin.tts.audio;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads the WAV files speech engines write and writes the one kind this plugin answers with: RIFF
 * WAVE, 16-bit signed PCM, little-endian, the audio's own sample rate and channel count in the header.
 *
 * <p>Reading accepts integer PCM of 8, 16, 24 and 32 bits, IEEE float of 32 and 64 bits, plain or
 * {@code WAVE_FORMAT_EXTENSIBLE}, with any chunks before or between {@code fmt } and {@code data}.
 * A {@code data} size of zero or larger than the file (as engines and servers write when they stream
 * and cannot go back to fix the header) is read as "up to the end of the file".
 */
public final class WavFiles {

    private static final int HEADER_BYTES = 44;
    private static final int FORMAT_PCM = 1;
    private static final int FORMAT_FLOAT = 3;
    private static final int FORMAT_EXTENSIBLE = 0xFFFE;
    private static final int MAX_CHANNELS = 16;
    private static final int MAX_SAMPLE_RATE = 768_000;

    private WavFiles() {
    }

    /** The audio as a 16-bit PCM WAV file. */
    public static byte[] write(PcmAudio audio) {
        int dataBytes = audio.samples().length * 2;
        ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        out.put(ascii("RIFF")).putInt(36 + dataBytes).put(ascii("WAVE"));
        out.put(ascii("fmt ")).putInt(16)
                .putShort((short) FORMAT_PCM)
                .putShort((short) audio.channels())
                .putInt(audio.sampleRate())
                .putInt(audio.sampleRate() * audio.channels() * 2)
                .putShort((short) (audio.channels() * 2))
                .putShort((short) 16);
        out.put(ascii("data")).putInt(dataBytes);
        for (short sample : audio.samples()) {
            out.putShort(sample);
        }
        return out.array();
    }

    /**
     * Decodes a WAV file to 16-bit samples, keeping its sample rate and channels.
     *
     * @throws InvalidWavException naming what is missing or unsupported
     */
    public static PcmAudio read(byte[] wav) throws InvalidWavException {
        ByteBuffer in = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        if (wav.length < 12 || !"RIFF".equals(fourCc(in, 0)) || !"WAVE".equals(fourCc(in, 8))) {
            throw new InvalidWavException("not a WAV file: it does not start with RIFF....WAVE");
        }
        Format format = null;
        int at = 12;
        while (at + 8 <= wav.length) {
            String id = fourCc(in, at);
            long size = Integer.toUnsignedLong(in.getInt(at + 4));
            int body = at + 8;
            if ("fmt ".equals(id)) {
                format = Format.parse(in, body, (int) Math.min(size, wav.length - body));
            } else if ("data".equals(id)) {
                if (format == null) {
                    throw new InvalidWavException("the data chunk comes before any fmt chunk");
                }
                // streaming writers leave the size at 0 or at a maximum they cannot know yet
                long declared = size == 0 ? Long.MAX_VALUE : size;
                int available = (int) Math.min(declared, wav.length - body);
                int whole = available - available % format.blockAlign();
                return new PcmAudio(format.sampleRate(), format.channels(), format.encoding().decode(wav, body, whole));
            }
            long next = body + size + (size & 1);
            if (next > wav.length) {
                break;
            }
            at = (int) next;
        }
        throw new InvalidWavException(format == null ? "no fmt chunk" : "no data chunk");
    }

    private record Format(int channels, int sampleRate, int blockAlign, SampleEncoding encoding) {

        static Format parse(ByteBuffer in, int at, int size) throws InvalidWavException {
            if (size < 16) {
                throw new InvalidWavException("the fmt chunk is " + size + " bytes, expected at least 16");
            }
            int tag = Short.toUnsignedInt(in.getShort(at));
            int channels = Short.toUnsignedInt(in.getShort(at + 2));
            int sampleRate = in.getInt(at + 4);
            int bits = Short.toUnsignedInt(in.getShort(at + 14));
            if (tag == FORMAT_EXTENSIBLE) {
                if (size < 40) {
                    throw new InvalidWavException("WAVE_FORMAT_EXTENSIBLE fmt chunk of " + size + " bytes, expected 40");
                }
                tag = Short.toUnsignedInt(in.getShort(at + 24)); // first two bytes of the sub-format GUID
            }
            if (channels < 1 || channels > MAX_CHANNELS) {
                throw new InvalidWavException("unsupported channel count " + channels);
            }
            if (sampleRate < 1 || sampleRate > MAX_SAMPLE_RATE) {
                throw new InvalidWavException("unsupported sample rate " + Integer.toUnsignedString(sampleRate));
            }
            SampleEncoding encoding = encoding(tag, bits);
            return new Format(channels, sampleRate, channels * encoding.bytesPerSample(), encoding);
        }

        private static SampleEncoding encoding(int tag, int bits) throws InvalidWavException {
            if (tag == FORMAT_PCM) {
                switch (bits) {
                    case 8: return SampleEncoding.PCM_U8;
                    case 16: return SampleEncoding.PCM_S16_LE;
                    case 24: return SampleEncoding.PCM_S24_LE;
                    case 32: return SampleEncoding.PCM_S32_LE;
                    default: break;
                }
            } else if (tag == FORMAT_FLOAT) {
                if (bits == 32) {
                    return SampleEncoding.FLOAT32_LE;
                }
                if (bits == 64) {
                    return SampleEncoding.FLOAT64_LE;
                }
            }
            throw new InvalidWavException("unsupported encoding: format tag " + tag + " with " + bits
                    + " bits per sample (readable: PCM 8/16/24/32, float 32/64)");
        }
    }

    private static String fourCc(ByteBuffer in, int at) {
        byte[] id = new byte[4];
        in.get(at, id);
        return new String(id, java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static byte[] ascii(String fourCc) {
        return fourCc.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
