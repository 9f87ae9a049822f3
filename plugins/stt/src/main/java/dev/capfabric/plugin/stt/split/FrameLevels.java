package dev.capfabric.plugin.stt.split;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The loudness of a recording in short frames, and which frames are quiet enough to cut in.
 *
 * <p>Quiet is relative to the recording itself, so that it holds for a studio file with digital
 * silence between sentences and for a phone call with a hiss under everything: a frame is quiet when
 * it is at most {@value #ABOVE_FLOOR_DB} dB above the noise floor (the level of the quietest
 * {@value #FLOOR_PERCENTILE} % of frames) and at least {@value #BELOW_SPEECH_DB} dB below speech (the
 * level {@value #SPEECH_PERCENTILE} % of frames stay under). A recording without pauses (a steady tone,
 * continuous noise) thus has no quiet frame at all rather than quiet frames everywhere.
 */
final class FrameLevels {

    /** Short enough to find a pause between two words, long enough to average over a pitch period. */
    static final int FRAME_MS = 20;
    /** The level given to frames of digital silence (whose logarithm is minus infinity). */
    static final double SILENCE_DB = -100;
    static final double FLOOR_PERCENTILE = 5;
    static final double SPEECH_PERCENTILE = 90;
    static final double ABOVE_FLOOR_DB = 10;
    static final double BELOW_SPEECH_DB = 20;

    /** A run of quiet frames, {@code [first, end)}. */
    record Run(int first, int end) {
        int length() {
            return end - first;
        }
    }

    private final double[] levels;
    private final int frameLength;
    private final double threshold;

    private FrameLevels(double[] levels, int frameLength, double threshold) {
        this.levels = levels;
        this.frameLength = frameLength;
        this.threshold = threshold;
    }

    /** Measures {@code samples} (16-bit, at {@code sampleRate}) in frames of {@value #FRAME_MS} ms. */
    static FrameLevels of(short[] samples, int sampleRate) {
        int frameLength = Math.max(1, sampleRate * FRAME_MS / 1000);
        double[] levels = new double[samples.length / frameLength];
        for (int f = 0; f < levels.length; f++) {
            double energy = 0;
            for (int i = f * frameLength, end = i + frameLength; i < end; i++) {
                energy += (double) samples[i] * samples[i];
            }
            double meanSquare = energy / frameLength / (32768.0 * 32768.0);
            levels[f] = meanSquare <= 0 ? SILENCE_DB : Math.max(SILENCE_DB, 10 * Math.log10(meanSquare));
        }
        return new FrameLevels(levels, frameLength, threshold(levels));
    }

    private static double threshold(double[] levels) {
        if (levels.length == 0) {
            return SILENCE_DB;
        }
        double[] sorted = levels.clone();
        Arrays.sort(sorted);
        double floor = sorted[(int) ((sorted.length - 1) * FLOOR_PERCENTILE / 100)];
        double speech = sorted[(int) ((sorted.length - 1) * SPEECH_PERCENTILE / 100)];
        return Math.min(floor + ABOVE_FLOOR_DB, speech - BELOW_SPEECH_DB);
    }

    int frames() {
        return levels.length;
    }

    int frameLength() {
        return frameLength;
    }

    double level(int frame) {
        return levels[frame];
    }

    boolean quiet(int frame) {
        return levels[frame] <= threshold;
    }

    /** The runs of at least {@code minFrames} quiet frames, in order. */
    List<Run> quietRuns(int minFrames) {
        List<Run> runs = new ArrayList<>();
        int first = -1;
        for (int f = 0; f <= levels.length; f++) {
            boolean quiet = f < levels.length && quiet(f);
            if (quiet && first < 0) {
                first = f;
            } else if (!quiet && first >= 0) {
                if (f - first >= minFrames) {
                    runs.add(new Run(first, f));
                }
                first = -1;
            }
        }
        return runs;
    }
}
