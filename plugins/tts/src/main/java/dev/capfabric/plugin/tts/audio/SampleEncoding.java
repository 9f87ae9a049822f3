package dev.capfabric.plugin.tts.audio;

/**
 * How engines lay out samples in bytes, and the conversion of each to signed 16-bit. Wider samples
 * keep their 16 most significant bits; floating point is clipped to [-1, 1] and scaled.
 */
public enum SampleEncoding {
    /** Unsigned 8-bit, silence at 128 (WAV's 8-bit PCM). */
    PCM_U8(1),
    /** Signed 16-bit little-endian. */
    PCM_S16_LE(2),
    /** Signed 16-bit big-endian (FreeTTS, Java Sound's default). */
    PCM_S16_BE(2),
    /** Signed 24-bit little-endian. */
    PCM_S24_LE(3),
    /** Signed 32-bit little-endian. */
    PCM_S32_LE(4),
    /** IEEE 754 single precision little-endian. */
    FLOAT32_LE(4),
    /** IEEE 754 double precision little-endian. */
    FLOAT64_LE(8);

    private final int bytesPerSample;

    SampleEncoding(int bytesPerSample) {
        this.bytesPerSample = bytesPerSample;
    }

    /** Bytes one sample takes. */
    public int bytesPerSample() {
        return bytesPerSample;
    }

    /**
     * Converts {@code length / bytesPerSample()} whole samples starting at {@code offset}; a trailing
     * partial sample is ignored.
     */
    public short[] decode(byte[] bytes, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > bytes.length) {
            throw new IndexOutOfBoundsException("offset " + offset + " length " + length + " of " + bytes.length + " bytes");
        }
        short[] samples = new short[length / bytesPerSample];
        for (int i = 0, at = offset; i < samples.length; i++, at += bytesPerSample) {
            samples[i] = sampleAt(bytes, at);
        }
        return samples;
    }

    private short sampleAt(byte[] b, int at) {
        return switch (this) {
            case PCM_U8 -> (short) (((b[at] & 0xff) - 128) << 8);
            case PCM_S16_LE -> (short) ((b[at] & 0xff) | (b[at + 1] << 8));
            case PCM_S16_BE -> (short) ((b[at + 1] & 0xff) | (b[at] << 8));
            case PCM_S24_LE -> (short) ((b[at + 1] & 0xff) | (b[at + 2] << 8));
            case PCM_S32_LE -> (short) ((b[at + 2] & 0xff) | (b[at + 3] << 8));
            case FLOAT32_LE -> fromUnit(Float.intBitsToFloat(littleEndianInt(b, at)));
            case FLOAT64_LE -> fromUnit(Double.longBitsToDouble(
                    (littleEndianInt(b, at) & 0xffffffffL) | ((long) littleEndianInt(b, at + 4) << 32)));
        };
    }

    private static int littleEndianInt(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] << 24);
    }

    private static short fromUnit(double value) {
        if (Double.isNaN(value)) {
            return 0;
        }
        double clipped = Math.max(-1.0, Math.min(1.0, value));
        return (short) Math.round(clipped * Short.MAX_VALUE);
    }
}
