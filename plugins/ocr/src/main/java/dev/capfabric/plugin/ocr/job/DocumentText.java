package dev.capfabric.plugin.ocr.job;

import dev.capfabric.spi.Result;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

import static java.util.Objects.requireNonNull;

/**
 * What an OCR provider read from a document of several pages (a PDF).
 *
 * <p>As JSON: {@code {"text", "pages": [{"index", "text", "markdown", "source", "node", "confidence"?,
 * "skew_degrees"?, "rotation_degrees"?}], "provider", "language"?}}, where {@code text} is the pages'
 * texts in order separated by a blank line, {@code source} is {@code text-layer} for a page whose
 * own text layer was used and {@code ocr} for a page that was rendered and read.
 */
public record DocumentText(List<Page> pages, String provider, Optional<String> language) {

    public DocumentText {
        pages = List.copyOf(requireNonNull(pages, "pages is null"));
        requireNonNull(provider, "provider is null");
        requireNonNull(language, "language is null");
    }

    /** One page: where its text came from, which node read it, and how it lay. */
    public record Page(int index, String text, String markdown, String source, String node,
                       OptionalDouble confidence, Optional<RecognisedText.PageGeometry> geometry) {

        public Page {
            requireNonNull(text, "text is null");
            requireNonNull(markdown, "markdown is null");
            requireNonNull(source, "source is null");
            requireNonNull(node, "node is null");
            requireNonNull(confidence, "confidence is null");
            requireNonNull(geometry, "geometry is null");
        }

        /** A page whose own text layer holds its text: paragraphs are kept, lines within them joined. */
        public static Page fromTextLayer(int index, String text, String node) {
            String markdown = text.strip().replaceAll("[ \\t]*\\n[ \\t]*\\n\\s*", "\u0000")
                    .replaceAll("\\s*\\n\\s*", " ").replace("\u0000", "\n\n");
            return new Page(index, text.strip(), markdown, "text-layer", node, OptionalDouble.empty(), Optional.empty());
        }

        /** This page as a partial result of its document's job, in the shape it has in {@code pages}. */
        public Result toPiece() {
            return Result.json(toJson());
        }

        Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("index", index);
            json.put("text", text);
            json.put("markdown", markdown);
            json.put("source", source);
            json.put("node", node);
            confidence.ifPresent(value -> json.put("confidence", value));
            geometry.ifPresent(value -> value.putInto(json));
            return json;
        }
    }

    /** This document as the JSON result of a job. */
    public Result toResult() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("text", String.join("\n\n", pages.stream().map(Page::text).toList()));
        json.put("pages", pages.stream().map(Page::toJson).toList());
        json.put("provider", provider);
        language.ifPresent(value -> json.put("language", value));
        return Result.json(json);
    }
}
