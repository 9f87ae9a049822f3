package dev.capfabric.plugin.stt.split;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static dev.capfabric.plugin.stt.split.Signals.RATE;
import static dev.capfabric.plugin.stt.split.Signals.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where recordings are cut: in pauses when there are some, near equal lengths, never past the ends. */
class CutPlannerTest {

    private static final int OVERLAP_MS = 500;
    private final CutPlanner planner = new CutPlanner(OVERLAP_MS);

    @ParameterizedTest(name = "{0} parts")
    @ValueSource(ints = {2, 3, 5, 8})
    void cutsTonesWithGapsInTheMiddleOfAGap(int parts) {
        // 3 s tones, 0.6 s of digital silence after each: gaps at [3, 3.6), [6.6, 7.2) ...
        Signals signal = new Signals().tonesWithGaps(20, 3.0, 0.6);
        List<CutPlanner.Span> spans = planner.plan(signal.samples(), RATE, parts);

        assertCovers(spans, signal.length(), parts);
        for (CutPlanner.Span span : spans.subList(0, parts - 1)) {
            assertTrue(span.paused(), spans.toString());
            // the gap's middle is 3.3 s into each 3.6 s cycle; a frame either side is the finder's grain
            assertInCycle(span.end(), 3.6, 3.3, spans);
        }
        assertEvenLengths(spans, signal.length());
    }

    @Test
    void findsPausesUnderAHissAsWellAsInDigitalSilence() {
        Signals signal = new Signals();
        for (int b = 0; b < 12; b++) {
            signal.tone(2.5, 220 + 30 * b, -15).noise(0.4, -55);
        }
        List<CutPlanner.Span> spans = planner.plan(signal.samples(), RATE, 3);

        assertCovers(spans, signal.length(), 3);
        for (CutPlanner.Span span : spans.subList(0, 2)) {
            assertTrue(span.paused(), spans.toString());
            assertInCycle(span.end(), 2.9, 2.7, spans);
        }
    }

    @Test
    void prefersThePauseNearestAnEvenSplitAndIgnoresGapsTooShortForAPause() {
        // 40 s, 2 parts: an even split cuts at 20 s. A 100 ms gap (a stop consonant, not a pause) sits
        // right there; real pauses centred at 17.5 s and 21.5 s: the nearer one wins
        Signals signal = new Signals().tone(17.2, 300, -12).silence(0.6).tone(2.1, 300, -12).silence(0.1)
                .tone(1.2, 300, -12).silence(0.6).tone(18.2, 300, -12);
        List<CutPlanner.Span> spans = planner.plan(signal.samples(), RATE, 2);

        assertCovers(spans, signal.length(), 2);
        assertTrue(spans.getFirst().paused());
        assertEquals(21.5, spans.getFirst().end() / (double) RATE, 0.03, spans.toString());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"steady tone", "steady noise", "tone under noise"})
    void withoutAnyPauseCutsNearAnEvenSplitWithOverlap(String kind) {
        Signals signal = switch (kind) {
            case "steady tone" -> new Signals().tone(60, 440, -10);
            case "steady noise" -> new Signals().noise(60, -30);
            default -> new Signals().noise(20, -40).tone(20, 500, -20).noise(20, -35);
        };
        List<CutPlanner.Span> spans = planner.plan(signal.samples(), RATE, 3);

        assertEquals(3, spans.size(), spans.toString());
        assertEquals(0, spans.getFirst().start());
        assertEquals(signal.length(), spans.getLast().end());
        for (int k = 0; k < 2; k++) {
            assertFalse(spans.get(k).paused(), spans.toString());
            // the parts share the overlap: the next starts OVERLAP_MS before this one ends
            assertEquals(at(OVERLAP_MS / 1000.0), spans.get(k).end() - spans.get(k + 1).start(), 1, spans.toString());
        }
        assertEvenLengths(spans, signal.length());
    }

    @Test
    void aCutWithoutAPauseGoesAtTheQuietestMomentNearby() {
        // no pause anywhere, but a dip 1.5 s from the even split, quieter than the rest though too short to be a pause
        Signals signal = new Signals().tone(28.5, 300, -10).tone(0.1, 300, -30).tone(31.4, 300, -10);
        List<CutPlanner.Span> spans = planner.plan(signal.samples(), RATE, 2);

        assertFalse(spans.getFirst().paused());
        double middle = (spans.getFirst().end() + spans.getLast().start()) / 2.0 / RATE;
        assertTrue(middle >= 28.5 && middle <= 28.6, "cut at " + middle + " s, not in the dip at [28.5, 28.6): " + spans);
    }

    @Test
    void silenceAtTheEdgesIsNeverWhereACutGoes() {
        // long silences at both ends, speech-like bursts between; and a variant whose only pauses are the edges
        Signals bursts = new Signals().silence(10).tonesWithGaps(12, 3.0, 0.4).silence(10);
        List<CutPlanner.Span> spans = planner.plan(bursts.samples(), RATE, 3);
        assertCovers(spans, bursts.length(), 3);
        assertEvenLengths(spans, bursts.length());
        for (CutPlanner.Span span : spans.subList(0, 2)) {
            assertTrue(span.paused());
            assertInCycle(span.end() - at(10), 3.4, 3.2, spans);
        }

        Signals edgesOnly = new Signals().silence(8).tone(44, 350, -12).silence(8);
        List<CutPlanner.Span> hard = planner.plan(edgesOnly.samples(), RATE, 3);
        assertEquals(3, hard.size(), hard.toString());
        assertFalse(hard.get(0).paused(), hard.toString());
        assertFalse(hard.get(1).paused(), hard.toString());
        assertEvenLengths(hard, edgesOnly.length());
    }

    @Test
    void veryShortOrEmptyInputIsOnePart() {
        assertEquals(List.of(new CutPlanner.Span(0, 0, true)), planner.plan(new short[0], RATE, 3));
        assertEquals(List.of(new CutPlanner.Span(0, 100, true)), planner.plan(new short[100], RATE, 3));
        // 5 frames of audio cannot make 3 parts of at least 2 frames
        short[] fiveFrames = new Signals().tone(0.1, 300, -10).samples();
        assertEquals(List.of(new CutPlanner.Span(0, fiveFrames.length, true)), planner.plan(fiveFrames, RATE, 3));
        // one part asked for: the whole, whatever it holds
        short[] long1 = new Signals().tonesWithGaps(5, 2, 0.5).samples();
        assertEquals(List.of(new CutPlanner.Span(0, long1.length, true)), planner.plan(long1, RATE, 1));
    }

    @Test
    void aShortRecordingStillCutsInItsPauses() {
        // 6 frames per part is enough: 2 s in 4 parts, a gap in each half second
        Signals signal = new Signals().tonesWithGaps(4, 0.3, 0.2);
        List<CutPlanner.Span> spans = planner.plan(signal.samples(), RATE, 4);
        assertCovers(spans, signal.length(), 4);
    }

    @Test
    void refusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> planner.plan(new short[10], RATE, 0));
        assertThrows(IllegalArgumentException.class, () -> planner.plan(new short[10], 0, 2));
        assertThrows(IllegalArgumentException.class, () -> new CutPlanner(-1));
    }

    /** The cut at {@code sample} lies {@code phase} seconds into a cycle of {@code period} seconds, within a frame or so. */
    private static void assertInCycle(int sample, double period, double phase, List<CutPlanner.Span> spans) {
        double seconds = sample / (double) RATE;
        double off = Math.abs(Math.IEEEremainder(seconds - phase, period));
        assertTrue(off < 0.03, "cut at " + seconds + " s is " + off + " s from the middle of a gap: " + spans);
    }

    /** Contiguous, in order, from the first sample to the last, each part holding audio. */
    private static void assertCovers(List<CutPlanner.Span> spans, int total, int parts) {
        assertEquals(parts, spans.size(), spans.toString());
        assertEquals(0, spans.getFirst().start());
        assertEquals(total, spans.getLast().end());
        for (int k = 0; k < spans.size(); k++) {
            assertTrue(spans.get(k).length() > 0, spans.toString());
            if (k > 0) {
                assertEquals(spans.get(k - 1).end(), spans.get(k).start(), "not contiguous: " + spans);
            }
        }
    }

    /** No part shorter than 60 % or longer than 140 % of an even share. */
    private static void assertEvenLengths(List<CutPlanner.Span> spans, int total) {
        double share = total / (double) spans.size();
        for (CutPlanner.Span span : spans) {
            assertTrue(span.length() > 0.6 * share && span.length() < 1.4 * share,
                    "uneven: " + span.length() / (double) RATE + " s of " + share / RATE + " s: " + spans);
        }
    }
}
