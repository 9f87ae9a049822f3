package dev.capfabric.kernel.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.dispatch.Outcome;
import dev.capfabric.kernel.http.Json;
import dev.capfabric.kernel.http.RequestBodies;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Payload;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * {@code POST /v1/ocr} in the shape of Mistral's OCR API, run as an {@code ocr} job:
 * {@code {"model", "document": {"type": "image_url", "image_url": "data:image/png;base64,..."}}} (or
 * {@code "document_url"} with an image data URL) answered with
 * {@code {"pages": [{"index", "markdown", "images", "dimensions"}], "model", "usage_info"}}, a PDF with
 * a page per page the provider read. The node fetches nothing from the network, so only {@code data:}
 * URLs are taken; a type neither image nor PDF is refused with 415.
 */
final class OcrService implements HttpService {

    static final Capability OCR = Capability.of("ocr");

    /**
     * One page.
     *
     * @param index      0 for the one page of an image
     * @param markdown   the text read, lines as lines
     * @param images     images cut out of the page: none
     * @param dimensions its size, where the image's header says it
     */
    record Page(int index, String markdown, List<Object> images, Dimensions dimensions) {
    }

    /** @param dpi unknown for an image upload, so null; the whole record is null for a PDF's pages */
    record Dimensions(Integer dpi, int height, int width) {
    }

    record Usage(int pagesProcessed, int docSizeBytes) {
    }

    record Answer(List<Page> pages, String model, Usage usageInfo) {
    }

    private final FrontDoorJobs jobs;

    OcrService(FrontDoorJobs jobs) {
        this.jobs = requireNonNull(jobs, "jobs is null");
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", (request, response) -> FrontDoor.answer(response, () -> read(request, response)));
    }

    private void read(ServerRequest request, ServerResponse response) {
        try (RequestBodies.Body body = jobs.body(request, OCR)) {
            read(request, response, JsonFields.of(body.bytes()));
        }
    }

    private void read(ServerRequest request, ServerResponse response, JsonFields body) {
        Optional<String> modelName = body.text("model");
        FleetModel model = jobs.model(modelName, OCR, "/v1/ocr");
        JsonNode document = body.tree("document").orElse(null);
        if (document == null || !document.isObject()) {
            throw OpenAiError.invalid("'document' is required: {\"type\": \"image_url\", \"image_url\": \"data:image/png;base64,...\"}",
                    "document", "missing_required_parameter");
        }
        String type = document.path("type").asText("");
        JsonNode url = switch (type) {
            case "image_url" -> document.get("image_url");
            case "document_url" -> document.get("document_url");
            default -> throw OpenAiError.invalid("document.type must be 'image_url' or 'document_url'", "document.type", "invalid_value");
        };
        if (url != null && url.isObject()) {
            url = url.get("url");
        }
        if (url == null || !url.isTextual()) {
            throw OpenAiError.invalid("document." + type + " must be a data: URL", "document." + type, "missing_required_parameter");
        }
        Payload image = dataUrl(url.asText(), "document." + type);
        Map<String, String> parameters = new LinkedHashMap<>();
        body.text("language").ifPresent(l -> parameters.put("language", l));
        Outcome.Served served = jobs.run(request, response, model, parameters, image);
        String answeredModel = modelName.orElseGet(() -> String.valueOf(served.result().metadata().getOrDefault("model", served.provider())));
        List<Page> pages = pages(served.result().metadata(), image);
        Json.send(response, Status.OK_200, new Answer(pages, answeredModel, new Usage(pages.size(), image.size())));
    }

    /** The provider's pages (a PDF's, each with its markdown), else its whole text as the one page of an image. */
    private static List<Page> pages(Map<String, Object> metadata, Payload document) {
        Dimensions dimensions = document.baseType().startsWith("image/") ? dimensions(document.bytes()).orElse(null) : null;
        List<Page> pages = new java.util.ArrayList<>();
        if (metadata.get("pages") instanceof List<?> listed) {
            for (Object item : listed) {
                if (item instanceof Map<?, ?> page) {
                    Object markdown = page.get("markdown") != null ? page.get("markdown") : page.get("text");
                    int index = page.get("index") instanceof Number n ? n.intValue() : pages.size();
                    pages.add(new Page(index, markdown == null ? "" : String.valueOf(markdown), List.of(), dimensions));
                }
            }
        }
        if (pages.isEmpty()) {
            pages.add(new Page(0, String.valueOf(metadata.getOrDefault("text", "")), List.of(), dimensions));
        }
        return pages;
    }

    /** The bytes of a {@code data:<type>;base64,<data>} URL. */
    private static Payload dataUrl(String url, String param) {
        if (!url.regionMatches(true, 0, "data:", 0, 5)) {
            throw OpenAiError.invalid(param + " must be a data: URL (data:image/png;base64,...): this node fetches nothing from the network",
                    param, "invalid_value");
        }
        int comma = url.indexOf(',');
        if (comma < 0 || !url.substring(0, comma).toLowerCase(Locale.ROOT).endsWith(";base64")) {
            throw OpenAiError.invalid(param + " must be a base64 data: URL", param, "invalid_value");
        }
        String mediaType = url.substring(5, comma - ";base64".length()).strip().toLowerCase(Locale.ROOT);
        if (!mediaType.startsWith("image/") && !mediaType.equals("application/pdf")) {
            throw new OpenAiError.Failure(415, "'" + mediaType + "' is neither an image nor a PDF; send application/pdf, image/png, "
                    + "image/jpeg, image/tiff, image/bmp, image/gif or image/webp", param, "unsupported_format");
        }
        try {
            return new Payload(mediaType, Base64.getMimeDecoder().decode(url.substring(comma + 1)));
        } catch (IllegalArgumentException e) {
            throw OpenAiError.invalid(param + " is not valid base64: " + e.getMessage(), param, "invalid_value");
        }
    }

    /** Width and height from the image's header, without decoding its pixels. */
    private static Optional<Dimensions> dimensions(byte[] image) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(image))) {
            Iterator<ImageReader> readers = in == null ? java.util.Collections.emptyIterator() : ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return Optional.empty();
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return Optional.of(new Dimensions(null, reader.getHeight(0), reader.getWidth(0)));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
