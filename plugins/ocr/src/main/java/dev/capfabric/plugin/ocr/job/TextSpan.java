package dev.capfabric.plugin.ocr.job;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

import static java.util.Objects.requireNonNull;

/**
 * One recognised line or word.
 *
 * @param text       the text, without a trailing newline
 * @param confidence the engine's confidence from 0 to 1, when the engine reports one
 * @param box        where it is in the image, when the engine reports positions
 */
public record TextSpan(String text, OptionalDouble confidence, Optional<Box> box) {

    public TextSpan {
        requireNonNull(text, "text is null");
        requireNonNull(confidence, "confidence is null");
        requireNonNull(box, "box is null");
    }

    /** A span located in the image, as Tesseract reports it. */
    public static TextSpan located(String text, double confidence, Box box) {
        return new TextSpan(text, OptionalDouble.of(confidence), Optional.of(box));
    }

    /** A span with text alone, as a vision LLM reports it. */
    public static TextSpan textOnly(String text) {
        return new TextSpan(text, OptionalDouble.empty(), Optional.empty());
    }

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("text", text);
        confidence.ifPresent(value -> json.put("confidence", value));
        box.ifPresent(value -> json.put("box", value.toJson()));
        return json;
    }
}
