package dev.capfabric.plugin.stt.audio;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResamplerTest {

    private final Resampler resampler = new Resampler();

    @Test
    void keepsASpeechBandToneAtItsFrequencyAndLevel() {
        float[] tone = TestWavs.sine(1000, 44_100, 1.0, 0.5);

        float[] out = resampler.resample(tone, 44_100, 16_000);

        assertEquals(16_000, out.length);
        float[] middle = java.util.Arrays.copyOfRange(out, 2_000, 14_000);
        assertEquals(0.5 / Math.sqrt(2), rms(middle), 0.005);
        // 1 kHz crosses zero twice per period: 2 × 1000 × 0.75 s
        assertEquals(1500, zeroCrossings(middle), 2);
    }

    @Test
    void removesContentAboveTheNewNyquistInsteadOfFoldingItIntoSpeech() {
        // without a low-pass filter, 10 kHz sampled at 16 kHz shows up as a full-level 6 kHz tone
        float[] tone = TestWavs.sine(10_000, 44_100, 1.0, 0.5);

        float[] out = resampler.resample(tone, 44_100, 16_000);

        double attenuationDb = 20 * Math.log10(rms(java.util.Arrays.copyOfRange(out, 2_000, 14_000)) / rms(tone));
        assertTrue(attenuationDb < -60, "10 kHz attenuated by only " + attenuationDb + " dB");
    }

    @Test
    void upsamplesTelephoneAudioWithoutLosingLevel() {
        float[] tone = TestWavs.sine(700, 8_000, 1.0, 0.5);

        float[] out = resampler.resample(tone, 8_000, 16_000);

        assertEquals(16_000, out.length);
        assertEquals(0.5 / Math.sqrt(2), rms(java.util.Arrays.copyOfRange(out, 2_000, 14_000)), 0.005);
    }

    @Test
    void sameRateIsACopy() {
        float[] in = {0.1f, 0.2f};

        float[] out = resampler.resample(in, 16_000, 16_000);

        assertEquals(0.2f, out[1]);
        assertTrue(out != in);
    }

    private static double rms(float[] samples) {
        double sum = 0;
        for (float s : samples) {
            sum += s * s;
        }
        return Math.sqrt(sum / samples.length);
    }

    private static int zeroCrossings(float[] samples) {
        int count = 0;
        for (int i = 1; i < samples.length; i++) {
            if ((samples[i - 1] < 0) != (samples[i] < 0)) {
                count++;
            }
        }
        return count;
    }
}
