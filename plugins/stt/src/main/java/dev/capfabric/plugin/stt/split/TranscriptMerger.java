package dev.capfabric.plugin.stt.split;

import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.PartResult;
import dev.capfabric.spi.Result;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts the transcripts of a recording's parts back together as the transcript of the whole: the
 * fields of a whole recording's answer ({@code text}, {@code language}, {@code duration_s},
 * {@code provider}) plus {@code segments} (OpenAI's shape: {@code id}, {@code seek}, {@code start},
 * {@code end}, {@code text}, and the {@code node} that transcribed it), {@code words} where the parts
 * gave word timings, and {@code parts} ({@code index}, {@code start}, {@code end}, {@code node}).
 *
 * <p>Times are in the whole recording's seconds: each part's own times plus the part's
 * {@value RecordingSplitter#OFFSET}. Segments tile the recording: a part without timings inside it
 * is one segment. Where two parts share audio (a cut made where there was no pause), the boundary is
 * the middle of what they share: timed segments and words are kept by the part on whose side they
 * start, and words that begin the later part's text and repeat the end of the earlier one's are said
 * once.
 */
public final class TranscriptMerger {

    /** More words than the shared audio (at most a second or so) can hold; bounds the search for a repeat. */
    static final int MAX_REPEATED_WORDS = 12;

    private TranscriptMerger() {
    }

    /** One part's transcript with its place in the whole recording. */
    private record Piece(PartResult part, Map<String, Object> fields, double offset, double end) {
    }

    /**
     * @param parts           the parts' answers (in any order; their indexes give the order)
     * @param durationSeconds the whole recording's length
     * @param provider        the provider id to answer with
     * @throws CapabilityException {@code INTERNAL} when a part's answer lacks its offset or length
     */
    public static Result merge(List<PartResult> parts, double durationSeconds, String provider) throws CapabilityException {
        List<Piece> pieces = new ArrayList<>(parts.size());
        for (PartResult part : parts.stream().sorted(Comparator.comparingInt(PartResult::index)).toList()) {
            Map<String, Object> fields = part.result().metadata();
            double offset = number(fields, RecordingSplitter.OFFSET, part);
            pieces.add(new Piece(part, fields, offset, offset + number(fields, "duration_s", part)));
        }
        double[] bounds = new double[pieces.size() + 1];
        for (int k = 1; k < pieces.size(); k++) {
            Piece piece = pieces.get(k);
            double previousEnd = pieces.get(k - 1).end();
            bounds[k] = piece.offset() < previousEnd ? (piece.offset() + previousEnd) / 2 : piece.offset();
        }
        bounds[pieces.size()] = Math.max(durationSeconds, pieces.isEmpty() ? 0 : pieces.getLast().end());

        List<String> words = new ArrayList<>();
        List<Map<String, Object>> segments = new ArrayList<>();
        List<Map<String, Object>> timedWords = new ArrayList<>();
        List<Map<String, Object>> partList = new ArrayList<>();
        String language = "und";
        for (int k = 0; k < pieces.size(); k++) {
            Piece piece = pieces.get(k);
            String node = piece.part().node();
            List<String> own = words(String.valueOf(piece.fields().getOrDefault("text", "")));
            if (k > 0 && piece.offset() < pieces.get(k - 1).end()) {
                own = own.subList(repeated(words, own), own.size());
            }
            words.addAll(own);
            if (language.equals("und") && piece.fields().get("language") instanceof String tag && !tag.isBlank()) {
                language = tag;
            }
            List<Map<String, Object>> timed = timed(piece.fields().get("segments"), piece.offset(), bounds[k], bounds[k + 1]);
            if (timed.isEmpty()) {
                segments.add(segment(bounds[k], bounds[k + 1], String.join(" ", own)));
            } else {
                segments.addAll(timed);
            }
            timedWords.addAll(timed(piece.fields().get("words"), piece.offset(), bounds[k], bounds[k + 1]));
            for (int s = segments.size() - Math.max(1, timed.size()); s < segments.size(); s++) {
                segments.get(s).put("node", node);
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("index", piece.part().index());
            entry.put("start", seconds(piece.offset()));
            entry.put("end", seconds(piece.end()));
            entry.put("node", node);
            partList.add(entry);
        }
        for (int id = 0; id < segments.size(); id++) {
            segments.get(id).put("id", id);
        }

        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("text", String.join(" ", words));
        fields.put("language", language);
        fields.put("duration_s", seconds(durationSeconds));
        fields.put("provider", provider);
        fields.put("segments", segments);
        if (!timedWords.isEmpty()) {
            fields.put("words", timedWords);
        }
        fields.put("parts", partList);
        return Result.json(fields);
    }

    private static Map<String, Object> segment(double start, double end, String text) {
        Map<String, Object> segment = new LinkedHashMap<>();
        segment.put("id", 0);
        segment.put("seek", 0);
        segment.put("start", seconds(start));
        segment.put("end", seconds(end));
        segment.put("text", text);
        return segment;
    }

    /**
     * The entries of a part's {@code segments} or {@code words} that start within {@code [from, to)} of
     * the whole recording, their {@code start} and {@code end} shifted by {@code offset}; entries without
     * both times are left out.
     */
    static List<Map<String, Object>> timed(Object entries, double offset, double from, double to) {
        List<Map<String, Object>> kept = new ArrayList<>();
        if (!(entries instanceof List<?> list)) {
            return kept;
        }
        for (Object entry : list) {
            if (entry instanceof Map<?, ?> map && map.get("start") instanceof Number start && map.get("end") instanceof Number end) {
                double at = offset + start.doubleValue();
                if (at >= from && at < to) {
                    Map<String, Object> shifted = new LinkedHashMap<>();
                    map.forEach((key, value) -> shifted.put(String.valueOf(key), value));
                    shifted.put("start", seconds(at));
                    shifted.put("end", seconds(offset + end.doubleValue()));
                    kept.add(shifted);
                }
            }
        }
        return kept;
    }

    /**
     * How many of {@code next}'s first words repeat the last words of {@code before}: the longest such
     * run, up to {@value #MAX_REPEATED_WORDS} words, compared without case.
     */
    static int repeated(List<String> before, List<String> next) {
        int most = Math.min(MAX_REPEATED_WORDS, Math.min(before.size(), next.size()));
        for (int n = most; n > 0; n--) {
            boolean same = true;
            for (int i = 0; i < n && same; i++) {
                same = before.get(before.size() - n + i).equalsIgnoreCase(next.get(i));
            }
            if (same) {
                return n;
            }
        }
        return 0;
    }

    private static List<String> words(String text) {
        String stripped = text.strip();
        return stripped.isEmpty() ? List.of() : Arrays.asList(stripped.split("\\s+"));
    }

    private static double number(Map<String, Object> fields, String key, PartResult part) throws CapabilityException {
        if (fields.get(key) instanceof Number number && Double.isFinite(number.doubleValue())) {
            return number.doubleValue();
        }
        throw CapabilityException.internal("part " + part.index() + " (node " + part.node() + ") answered without a numeric '"
                + key + "': " + fields.keySet(), null);
    }

    /** Seconds to the millisecond, as every time in a transcript is given. */
    static double seconds(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
