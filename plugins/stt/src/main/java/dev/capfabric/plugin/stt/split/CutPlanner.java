package dev.capfabric.plugin.stt.split;

import java.util.ArrayList;
import java.util.List;

/**
 * Where to cut a recording into a given number of parts of about equal length, so that no word is cut
 * in two: each cut goes in the middle of the pause (at least {@value #MIN_PAUSE_MS} ms of quiet, see
 * {@link FrameLevels}) nearest to where an equal split would cut, looking up to {@value #REACH_PERCENT} %
 * of a part's length either side. Where that stretch holds no pause, the cut goes at its quietest frame
 * and the two parts share {@code overlapMillis} of audio around it, so that a word cut there is heard
 * whole by at least one of them.
 *
 * <p>The parts cover the recording from its first sample to its last, in order, each starting where
 * the one before ends (or, after a cut without a pause, that overlap earlier). Thread-safe.
 */
public final class CutPlanner {

    /** Longer than the closure of a stop consonant inside a word; shorter than the pause between sentences. */
    static final int MIN_PAUSE_MS = 200;
    /** Parts stay within ±20 % of the length aimed at, so the fleet's shares of the work stay even. */
    static final int REACH_PERCENT = 20;

    /**
     * One part of a recording, in samples: {@code [start, end)}.
     *
     * @param start  first sample
     * @param end    sample after the last
     * @param paused whether the cut ending this part lies in a pause (always true for the last part)
     */
    public record Span(int start, int end, boolean paused) {
        public Span {
            if (start < 0 || end < start) {
                throw new IllegalArgumentException("bad span [" + start + ", " + end + ")");
            }
        }

        public int length() {
            return end - start;
        }
    }

    private final int overlapMillis;

    /** @param overlapMillis audio two parts share around a cut made where there was no pause */
    public CutPlanner(int overlapMillis) {
        if (overlapMillis < 0) {
            throw new IllegalArgumentException("overlapMillis must not be negative: " + overlapMillis);
        }
        this.overlapMillis = overlapMillis;
    }

    /**
     * Cuts {@code samples} into {@code parts} spans (fewer when the recording is too short to hold that
     * many frames of audio; one when {@code parts} is 1).
     */
    public List<Span> plan(short[] samples, int sampleRate, int parts) {
        if (parts < 1 || sampleRate <= 0) {
            throw new IllegalArgumentException("parts and sampleRate must be positive: " + parts + ", " + sampleRate);
        }
        int total = samples.length;
        FrameLevels levels = FrameLevels.of(samples, sampleRate);
        int frame = levels.frameLength();
        if (parts == 1 || levels.frames() < 2 * parts) {
            return List.of(new Span(0, total, true));
        }
        List<FrameLevels.Run> pauses = levels.quietRuns(Math.ceilDiv(MIN_PAUSE_MS, FrameLevels.FRAME_MS));
        int halfOverlap = (int) ((long) overlapMillis * sampleRate / 2000);
        List<Span> spans = new ArrayList<>(parts);
        int start = 0;
        for (int k = 0; k < parts - 1; k++) {
            double ideal = start + (total - start) / (double) (parts - k);
            double reach = (ideal - start) * REACH_PERCENT / 100.0;
            int lo = (int) Math.ceil((ideal - reach) / frame);
            int hi = Math.min(levels.frames(), (int) Math.floor((ideal + reach) / frame));
            int pauseCut = nearestPauseCentre(pauses, lo, hi, ideal / frame);
            if (pauseCut >= 0) {
                // the pause's centre in samples: (first + end) / 2 frames
                int cut = (int) ((long) pauseCut * frame / 2);
                spans.add(new Span(start, cut, true));
                start = cut;
            } else {
                int cut = Math.min(total - 1, quietestFrame(levels, lo, hi, ideal / frame) * frame + frame / 2);
                spans.add(new Span(start, Math.min(total, cut + halfOverlap), false));
                start = Math.max(start + 1, cut - halfOverlap);
            }
        }
        spans.add(new Span(start, total, true));
        return List.copyOf(spans);
    }

    /**
     * Among pauses whose centre lies in frames {@code [lo, hi)}, the one whose centre is nearest
     * {@code ideal}: its {@code first + end} (twice its centre, in frames), or -1 when there is none.
     */
    private static int nearestPauseCentre(List<FrameLevels.Run> pauses, int lo, int hi, double ideal) {
        int best = -1;
        double bestDistance = Double.MAX_VALUE;
        for (FrameLevels.Run pause : pauses) {
            double centre = (pause.first() + pause.end()) / 2.0;
            if (centre >= lo && centre < hi && Math.abs(centre - ideal) < bestDistance) {
                bestDistance = Math.abs(centre - ideal);
                best = pause.first() + pause.end();
            }
        }
        return best;
    }

    /** The quietest frame in {@code [lo, hi)}, the one nearest {@code ideal} among equals; {@code ideal} when the range is empty. */
    private static int quietestFrame(FrameLevels levels, int lo, int hi, double ideal) {
        int best = (int) ideal;
        double bestLevel = Double.MAX_VALUE;
        double bestDistance = Double.MAX_VALUE;
        for (int f = Math.max(0, lo); f < hi; f++) {
            double level = levels.level(f);
            double distance = Math.abs(f + 0.5 - ideal);
            if (level < bestLevel || (level == bestLevel && distance < bestDistance)) {
                best = f;
                bestLevel = level;
                bestDistance = distance;
            }
        }
        return best;
    }
}
