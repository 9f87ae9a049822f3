package dev.capfabric.plugin.ocr.job;

import dev.capfabric.spi.Result;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

import static java.util.Objects.requireNonNull;

/**
 * What an OCR provider read from one image; every provider answers in this shape.
 *
 * <p>As JSON: {@code {"text", "markdown", "confidence"?, "lines": [{"text", "confidence"?, "box"?}],
 * "words": [...], "provider", "language"?, "model"?, "skew_degrees"?, "rotation_degrees"?}}. Confidence runs from 0 to 1; boxes are
 * {@code {"x","y","w","h"}} in pixels. Fields an engine cannot report (a vision LLM gives neither
 * confidence nor positions) are left out rather than invented.
 *
 * @param text       the whole text, lines separated by {@code \n}
 * @param confidence the mean confidence from 0 to 1, if the engine reports one
 * @param lines      the text lines in reading order
 * @param words      the words in reading order; empty when the engine does not locate words
 * @param provider   the provider id that read it
 * @param language   the language(s) it was read as, if known
 * @param model      the model that read it, if the provider has models
 * @param markdown   the text as Markdown: paragraphs in reading order separated by blank lines
 * @param geometry   how the page was turned before reading, where the provider straightens pages
 */
public record RecognisedText(String text,
                             OptionalDouble confidence,
                             List<TextSpan> lines,
                             List<TextSpan> words,
                             String provider,
                             Optional<String> language,
                             Optional<String> model,
                             String markdown,
                             Optional<PageGeometry> geometry) {

    /**
     * How a page lay before it was read.
     *
     * @param skewDegrees     the skew found and removed, counter-clockwise positive
     * @param rotationDegrees the clockwise turn (0, 90, 180, 270) that made its text upright
     */
    public record PageGeometry(double skewDegrees, int rotationDegrees) {

        void putInto(Map<String, Object> json) {
            json.put("skew_degrees", Math.round(skewDegrees * 100) / 100.0);
            json.put("rotation_degrees", rotationDegrees);
        }
    }

    public RecognisedText {
        requireNonNull(text, "text is null");
        requireNonNull(confidence, "confidence is null");
        lines = List.copyOf(requireNonNull(lines, "lines is null"));
        words = List.copyOf(requireNonNull(words, "words is null"));
        requireNonNull(provider, "provider is null");
        requireNonNull(language, "language is null");
        requireNonNull(model, "model is null");
        requireNonNull(markdown, "markdown is null");
        requireNonNull(geometry, "geometry is null");
    }

    /** This text as the JSON result of a job. */
    public Result toResult() {
        return Result.json(toJson());
    }

    /**
     * This text as the JSON result of a job read on {@code node}: as {@link #toResult()}, plus the
     * {@code pages} list a document's answer has, with this image as its only page.
     */
    public Result toResult(String node) {
        Map<String, Object> json = toJson();
        json.put("pages", List.of(new DocumentText.Page(0, text, markdown, "ocr", node, confidence, geometry).toJson()));
        return Result.json(json);
    }

    private Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("text", text);
        json.put("markdown", markdown);
        confidence.ifPresent(value -> json.put("confidence", value));
        json.put("lines", lines.stream().map(TextSpan::toJson).toList());
        json.put("words", words.stream().map(TextSpan::toJson).toList());
        json.put("provider", provider);
        language.ifPresent(value -> json.put("language", value));
        model.ifPresent(value -> json.put("model", value));
        geometry.ifPresent(value -> value.putInto(json));
        return json;
    }
}
