package dev.capfabric.plugin.stt.audio;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Writes WAV files byte by byte from the format's definition, independently of the code under test. */
final class TestWavs {

    static final int PCM = 1;
    static final int FLOAT = 3;

    private TestWavs() {
    }

    static float[] sine(double frequency, int rate, double seconds, double amplitude) {
        float[] out = new float[(int) (rate * seconds)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (amplitude * Math.sin(2 * Math.PI * frequency * i / rate));
        }
        return out;
    }

    /** A WAV file of {@code channels} (all the same length) in the given encoding. */
    static byte[] write(int formatTag, int bits, int rate, float[]... channels) {
        int frames = channels[0].length;
        int blockAlign = channels.length * bits / 8;
        ByteBuffer out = ByteBuffer.allocate(44 + frames * blockAlign).order(ByteOrder.LITTLE_ENDIAN);
        out.put("RIFF".getBytes()).putInt(36 + frames * blockAlign).put("WAVE".getBytes());
        out.put("fmt ".getBytes()).putInt(16).putShort((short) formatTag).putShort((short) channels.length)
                .putInt(rate).putInt(rate * blockAlign).putShort((short) blockAlign).putShort((short) bits);
        out.put("data".getBytes()).putInt(frames * blockAlign);
        for (int i = 0; i < frames; i++) {
            for (float[] channel : channels) {
                double v = channel[i];
                if (formatTag == FLOAT && bits == 32) {
                    out.putFloat((float) v);
                } else if (formatTag == FLOAT) {
                    out.putDouble(v);
                } else {
                    switch (bits) {
                        case 8 -> out.put((byte) (Math.round(v * 127) + 128));
                        case 16 -> out.putShort((short) Math.round(v * 32767));
                        case 24 -> {
                            int s = (int) Math.round(v * 8388607);
                            out.put((byte) s).put((byte) (s >> 8)).put((byte) (s >> 16));
                        }
                        default -> out.putInt((int) Math.round(v * 2147483647.0));
                    }
                }
            }
        }
        return out.array();
    }
}
