package dev.capfabric.plugin.ocr.job;

import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.PartResult;
import dev.capfabric.spi.Result;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Puts a document read page by page on several nodes back together, in the shape of {@link DocumentText}:
 * each part's answer (a one-page document or an image, both of which list their page under {@code pages})
 * becomes the page at the part's index, with the node that read it.
 */
public final class DocumentParts {

    private DocumentParts() {
    }

    /**
     * The document's answer.
     *
     * @param parts    one answer per page, in page order
     * @param provider the provider id the answer names
     * @param language the language the pages were read as
     * @throws CapabilityException {@code INTERNAL} when a part's answer does not hold exactly one page with its text
     */
    public static Result merge(List<PartResult> parts, String provider, Optional<String> language) throws CapabilityException {
        List<Map<String, Object>> pages = new ArrayList<>(parts.size());
        List<String> texts = new ArrayList<>(parts.size());
        for (PartResult part : parts) {
            Map<?, ?> read = onlyPage(part);
            Map<String, Object> page = new LinkedHashMap<>();
            page.put("index", part.index());
            page.put("text", read.get("text"));
            page.put("markdown", read.get("markdown") instanceof String markdown ? markdown : read.get("text"));
            page.put("source", read.get("source") instanceof String source ? source : "ocr");
            page.put("node", part.node());
            read.forEach((key, value) -> page.putIfAbsent(String.valueOf(key), value));
            pages.add(page);
            texts.add((String) read.get("text"));
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("text", String.join("\n\n", texts));
        json.put("pages", pages);
        json.put("provider", provider);
        language.ifPresent(value -> json.put("language", value));
        return Result.json(json);
    }

    private static Map<?, ?> onlyPage(PartResult part) throws CapabilityException {
        if (part.result().metadata().get("pages") instanceof List<?> pages && pages.size() == 1
                && pages.getFirst() instanceof Map<?, ?> page && page.get("text") instanceof String) {
            return page;
        }
        throw new CapabilityException(CapabilityException.Kind.INTERNAL, "page " + (part.index() + 1) + ", read on node "
                + part.node() + ", came back without exactly one page of text: " + part.result().metadata().keySet());
    }
}
