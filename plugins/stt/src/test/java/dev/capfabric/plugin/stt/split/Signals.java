package dev.capfabric.plugin.stt.split;

import java.util.Arrays;
import java.util.Random;

/** Synthetic recordings for the cut planner, 16 kHz, built stretch by stretch. */
final class Signals {

    static final int RATE = 16_000;

    private short[] samples = new short[0];
    private final Random random = new Random(7);

    /** A sine tone of {@code seconds} at {@code dbfs} (0 = full scale). */
    Signals tone(double seconds, double hz, double dbfs) {
        double amplitude = 32767 * Math.pow(10, dbfs / 20);
        return append(seconds, i -> amplitude * Math.sin(2 * Math.PI * hz * i / RATE));
    }

    /** Digital silence. */
    Signals silence(double seconds) {
        return append(seconds, i -> 0);
    }

    /** White noise at about {@code dbfs} RMS: a hiss, or a room between words. */
    Signals noise(double seconds, double dbfs) {
        double amplitude = 32767 * Math.pow(10, dbfs / 20);
        return append(seconds, i -> amplitude * random.nextGaussian());
    }

    /** {@code bursts} tones of {@code toneSeconds} each followed by {@code gapSeconds} of silence. */
    Signals tonesWithGaps(int bursts, double toneSeconds, double gapSeconds) {
        for (int b = 0; b < bursts; b++) {
            tone(toneSeconds, 300 + 40 * (b % 5), -12).silence(gapSeconds);
        }
        return this;
    }

    int length() {
        return samples.length;
    }

    short[] samples() {
        return samples.clone();
    }

    static int at(double seconds) {
        return (int) Math.round(seconds * RATE);
    }

    private Signals append(double seconds, java.util.function.IntToDoubleFunction sample) {
        int count = at(seconds);
        int from = samples.length;
        samples = Arrays.copyOf(samples, from + count);
        for (int i = 0; i < count; i++) {
            samples[from + i] = (short) Math.max(-32768, Math.min(32767, Math.round(sample.applyAsDouble(from + i))));
        }
        return this;
    }
}
