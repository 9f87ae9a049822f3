package dev.capfabric.plugin.stt.split;

import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.PartResult;
import dev.capfabric.spi.Result;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The merge's text and time arithmetic, on parts' answers as they arrive from nodes. */
class TranscriptMergerTest {

    @Test
    void textOnlyPartsBecomeOneSegmentEachTilingTheRecording() throws Exception {
        List<PartResult> parts = List.of(
                part(2, "n3", "and the third", 200.25, 99.75),
                part(0, "n1", "the first part", 0, 100.5),
                part(1, "n2", "  the second  ", 100.5, 99.75));

        Map<String, Object> merged = TranscriptMerger.merge(parts, 300.0, "pocketsphinx").metadata();

        assertEquals("the first part the second and the third", merged.get("text"));
        assertEquals("en-us", merged.get("language"));
        assertEquals(300.0, merged.get("duration_s"));
        assertEquals("pocketsphinx", merged.get("provider"));
        assertEquals(List.of(
                segment(0, 0.0, 100.5, "the first part", "n1"),
                segment(1, 100.5, 200.25, "the second", "n2"),
                segment(2, 200.25, 300.0, "and the third", "n3")), merged.get("segments"));
        assertEquals(List.of(
                Map.of("index", 0, "start", 0.0, "end", 100.5, "node", "n1"),
                Map.of("index", 1, "start", 100.5, "end", 200.25, "node", "n2"),
                Map.of("index", 2, "start", 200.25, "end", 300.0, "node", "n3")), merged.get("parts"));
        assertFalse(merged.containsKey("words"), "no part gave word timings");
    }

    @Test
    void timedSegmentsAndWordsAreShiftedByTheirPartsOffset() throws Exception {
        Map<String, Object> first = fields("hello there general", 0, 60.0);
        first.put("segments", List.of(Map.of("id", 0, "start", 0.5, "end", 2.0, "text", "hello there", "avg_logprob", -0.2),
                Map.of("id", 1, "start", 58.0, "end", 59.5, "text", "general")));
        first.put("words", List.of(Map.of("word", "hello", "start", 0.5, "end", 1.0), Map.of("word", "general", "start", 58.0, "end", 59.5)));
        // as a part's answer crosses the wire: numbers of any width
        Map<String, Object> second = fields("kenobi", new BigDecimal("60.0"), 30L);
        second.put("segments", List.of(Map.of("id", 0, "start", 1L, "end", new BigDecimal("2.25"), "text", "kenobi")));
        second.put("words", List.of(Map.of("word", "kenobi", "start", 1, "end", 2.25f)));

        Map<String, Object> merged = TranscriptMerger.merge(
                List.of(new PartResult(0, Result.json(first), "a"), new PartResult(1, Result.json(second), "b")), 90.0, "p").metadata();

        List<?> segments = (List<?>) merged.get("segments");
        assertEquals(3, segments.size(), segments.toString());
        assertEquals(List.of(0, 1, 2), segments.stream().map(s -> ((Map<?, ?>) s).get("id")).toList());
        assertEquals(List.of(0.5, 58.0, 61.0), segments.stream().map(s -> ((Map<?, ?>) s).get("start")).toList());
        assertEquals(List.of(2.0, 59.5, 62.25), segments.stream().map(s -> ((Map<?, ?>) s).get("end")).toList());
        assertEquals(List.of("a", "a", "b"), segments.stream().map(s -> ((Map<?, ?>) s).get("node")).toList());
        assertEquals(-0.2, ((Map<?, ?>) segments.getFirst()).get("avg_logprob"), "a provider's own fields are kept");
        assertEquals(List.of(Map.of("word", "hello", "start", 0.5, "end", 1.0), Map.of("word", "general", "start", 58.0, "end", 59.5),
                Map.of("word", "kenobi", "start", 61.0, "end", 62.25)), merged.get("words"));
        assertEquals("hello there general kenobi", merged.get("text"));
    }

    @Test
    void partsSharingAudioAroundACutSayTheRepeatedWordsOnce() throws Exception {
        // part 0 is [0, 60.25), part 1 starts at 59.75: they share half a second, the boundary is 60.0
        Map<String, Object> first = fields("the quick brown fox jumps over the", 0, 60.25);
        first.put("words", List.of(Map.of("word", "over", "start", 59.5, "end", 59.8), Map.of("word", "the", "start", 59.9, "end", 60.1),
                Map.of("word", "la", "start", 60.15, "end", 60.25)));
        Map<String, Object> second = fields("over the lazy dog", 59.75, 10.25);
        second.put("words", List.of(Map.of("word", "over", "start", 0.0, "end", 0.05), Map.of("word", "the", "start", 0.2, "end", 0.35),
                Map.of("word", "lazy", "start", 0.4, "end", 0.8)));

        Map<String, Object> merged = TranscriptMerger.merge(
                List.of(new PartResult(0, Result.json(first), "a"), new PartResult(1, Result.json(second), "b")), 70.0, "p").metadata();

        assertEquals("the quick brown fox jumps over the lazy dog", merged.get("text"));
        List<?> segments = (List<?>) merged.get("segments");
        assertEquals(60.0, ((Map<?, ?>) segments.get(0)).get("end"));
        assertEquals(60.0, ((Map<?, ?>) segments.get(1)).get("start"));
        assertEquals("lazy dog", ((Map<?, ?>) segments.get(1)).get("text"));
        // words starting before 60.0 come from part 0, those after from part 1
        assertEquals(List.of("over", "the", "lazy"),
                ((List<?>) merged.get("words")).stream().map(w -> ((Map<?, ?>) w).get("word")).toList());
        assertEquals(List.of(59.5, 59.9, 60.15),
                ((List<?>) merged.get("words")).stream().map(w -> ((Map<?, ?>) w).get("start")).toList());
    }

    @Test
    void wordsThatOnlyLookRepeatedAreKeptWhereThePartsShareNoAudio() throws Exception {
        Map<String, Object> merged = TranscriptMerger.merge(List.of(
                part(0, "a", "i said no", 0, 30), part(1, "b", "no and no", 30, 30)), 60, "p").metadata();
        assertEquals("i said no no and no", merged.get("text"));
    }

    @Test
    void emptyPartsLeaveNoGapsInTheText() throws Exception {
        Map<String, Object> merged = TranscriptMerger.merge(List.of(
                part(0, "a", "one", 0, 10), part(1, "b", "", 10, 10), part(2, "c", "   ", 20, 10), part(3, "a", "two", 30, 10)), 40, "p")
                .metadata();
        assertEquals("one two", merged.get("text"));
        assertEquals(4, ((List<?>) merged.get("segments")).size());
    }

    @Test
    void timesAreGivenToTheMillisecond() throws Exception {
        Map<String, Object> merged = TranscriptMerger.merge(List.of(
                part(0, "a", "x", 0, 1 / 3.0), part(1, "b", "y", 1 / 3.0, 2 / 3.0)), 1.0, "p").metadata();
        assertEquals(0.333, ((Map<?, ?>) ((List<?>) merged.get("segments")).get(1)).get("start"));
    }

    @Test
    void aPartWithoutItsOffsetOrLengthIsAnInternalError() {
        for (String missing : List.of(RecordingSplitter.OFFSET, "duration_s")) {
            Map<String, Object> broken = fields("text", 0, 10);
            broken.remove(missing);
            CapabilityException e = assertThrows(CapabilityException.class, () -> TranscriptMerger.merge(List.of(
                    new PartResult(0, Result.json(broken), "n1"), part(1, "n2", "more", 10, 10)), 20, "p"));
            assertEquals(CapabilityException.Kind.INTERNAL, e.kind(), missing);
            assertEquals(true, e.getMessage().contains(missing) && e.getMessage().contains("n1"), e.getMessage());
        }
        Map<String, Object> text = fields("text", 0, 10);
        text.put(RecordingSplitter.OFFSET, "zero");
        assertThrows(CapabilityException.class, () -> TranscriptMerger.merge(List.of(new PartResult(0, Result.json(text), "n")), 10, "p"));
    }

    @Test
    void repeatedFindsTheLongestRunUpToItsBound() {
        assertEquals(2, TranscriptMerger.repeated(List.of("a", "b", "c"), List.of("b", "c", "d")));
        assertEquals(0, TranscriptMerger.repeated(List.of("a", "b"), List.of("c")));
        assertEquals(1, TranscriptMerger.repeated(List.of("The"), List.of("the", "end")));
        assertEquals(0, TranscriptMerger.repeated(List.of(), List.of("x")));
        List<String> many = java.util.Collections.nCopies(20, "w");
        assertEquals(TranscriptMerger.MAX_REPEATED_WORDS, TranscriptMerger.repeated(many, many));
    }

    private static PartResult part(int index, String node, String text, Number offset, Number duration) {
        return new PartResult(index, Result.json(fields(text, offset, duration)), node);
    }

    private static Map<String, Object> fields(String text, Number offset, Number duration) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("text", text);
        fields.put("language", "en-us");
        fields.put("duration_s", duration);
        fields.put("provider", "pocketsphinx");
        fields.put(RecordingSplitter.OFFSET, offset);
        return fields;
    }

    private static Map<String, Object> segment(int id, double start, double end, String text, String node) {
        Map<String, Object> segment = new LinkedHashMap<>();
        segment.put("id", id);
        segment.put("seek", 0);
        segment.put("start", start);
        segment.put("end", end);
        segment.put("text", text);
        segment.put("node", node);
        return segment;
    }
}
