package dev.capfabric.kernel.openai;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A transcript in the {@code response_format}s of OpenAI's transcription API. The shipped engines give
 * the text and the audio's length but no timings inside it, so timed formats (srt, vtt, verbose_json
 * segments) hold one segment spanning the whole audio; word timings are given only where a provider
 * reports {@code words} (a remote Whisper server), and asking for them elsewhere is refused with 400.
 */
final class TranscriptFormats {

    static final Set<String> FORMATS = Set.of("json", "text", "srt", "vtt", "verbose_json");

    private TranscriptFormats() {
    }

    /**
     * What a provider recognised.
     *
     * @param text     the words
     * @param language its language tag, {@code und} when unknown
     * @param duration the audio's length in seconds
     * @param words    word timings a provider gave ({@code word}, {@code start}, {@code end}), else empty
     * @param segments segment timings a provider gave, else empty
     */
    record Transcript(String text, String language, double duration, List<Map<String, Object>> words,
                      List<Map<String, Object>> segments) {

        @SuppressWarnings("unchecked")
        static Transcript of(Map<String, Object> metadata) {
            Object text = metadata.getOrDefault("text", "");
            Object language = metadata.getOrDefault("language", "und");
            double duration = metadata.get("duration_s") instanceof Number n ? n.doubleValue() : 0;
            List<Map<String, Object>> words = metadata.get("words") instanceof List<?> list ? (List<Map<String, Object>>) list : List.of();
            List<Map<String, Object>> segments = metadata.get("segments") instanceof List<?> list ? (List<Map<String, Object>>) list : List.of();
            return new Transcript(String.valueOf(text).strip(), String.valueOf(language), duration, words, segments);
        }

        /** The segments: the provider's, else one spanning the audio. */
        List<Map<String, Object>> timedSegments() {
            if (!segments.isEmpty()) {
                return segments;
            }
            Map<String, Object> whole = new LinkedHashMap<>();
            whole.put("id", 0);
            whole.put("seek", 0);
            whole.put("start", 0.0);
            whole.put("end", duration);
            whole.put("text", text);
            return List.of(whole);
        }
    }

    /** The {@code language} of verbose_json: the language's English name in lower case, as OpenAI gives it. */
    static String languageName(String tag) {
        String name = Locale.forLanguageTag(tag).getDisplayLanguage(Locale.ENGLISH).toLowerCase(Locale.ROOT);
        return name.isEmpty() ? tag : name;
    }

    static Map<String, Object> json(Transcript transcript) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("text", transcript.text());
        body.put("usage", Map.of("type", "duration", "seconds", Math.round(Math.ceil(transcript.duration()))));
        return body;
    }

    static Map<String, Object> verbose(Transcript transcript, String task, Set<String> granularities) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("task", task);
        body.put("language", languageName(transcript.language()));
        body.put("duration", transcript.duration());
        body.put("text", transcript.text());
        if (granularities.isEmpty() || granularities.contains("segment")) {
            body.put("segments", transcript.timedSegments());
        }
        if (granularities.contains("word")) {
            body.put("words", transcript.words());
        }
        body.put("usage", Map.of("type", "duration", "seconds", Math.round(Math.ceil(transcript.duration()))));
        return body;
    }

    static String srt(Transcript transcript) {
        StringBuilder out = new StringBuilder();
        int index = 1;
        for (Map<String, Object> segment : transcript.timedSegments()) {
            out.append(index++).append('\n')
                    .append(time(seconds(segment.get("start")), ',')).append(" --> ").append(time(seconds(segment.get("end")), ','))
                    .append('\n').append(String.valueOf(segment.get("text")).strip()).append("\n\n");
        }
        return out.toString();
    }

    static String vtt(Transcript transcript) {
        StringBuilder out = new StringBuilder("WEBVTT\n\n");
        for (Map<String, Object> segment : transcript.timedSegments()) {
            out.append(time(seconds(segment.get("start")), '.')).append(" --> ").append(time(seconds(segment.get("end")), '.'))
                    .append('\n').append(String.valueOf(segment.get("text")).strip()).append("\n\n");
        }
        return out.toString();
    }

    private static double seconds(Object value) {
        return value instanceof Number n ? n.doubleValue() : 0;
    }

    /** {@code hh:mm:ss,mmm} (srt) or {@code hh:mm:ss.mmm} (vtt). */
    static String time(double seconds, char separator) {
        long millis = Math.round(seconds * 1000);
        return String.format(Locale.ROOT, "%02d:%02d:%02d%c%03d", millis / 3_600_000, millis / 60_000 % 60,
                millis / 1000 % 60, separator, millis % 1000);
    }

    /** Granularities asked for, checked: {@code word} and {@code segment} only. */
    static Set<String> granularities(List<String> asked) {
        Set<String> granularities = new java.util.TreeSet<>();
        for (String value : asked) {
            for (String one : value.split(",")) {
                String g = one.strip();
                if (!g.isEmpty() && !g.equals("word") && !g.equals("segment")) {
                    throw OpenAiError.invalid("timestamp_granularities[] takes 'word' and 'segment', not '" + g + "'",
                            "timestamp_granularities[]", "invalid_value");
                }
                if (!g.isEmpty()) {
                    granularities.add(g);
                }
            }
        }
        return granularities;
    }

    static List<String> asList(Set<String> values) {
        return new ArrayList<>(values);
    }
}
