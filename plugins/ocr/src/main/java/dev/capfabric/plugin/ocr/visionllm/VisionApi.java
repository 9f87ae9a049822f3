package dev.capfabric.plugin.ocr.visionllm;

import dev.capfabric.plugin.ocr.image.ImageFormat;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One HTTP API a vision model can be reached through: where to probe for models, how to ask for
 * a transcription, and where the answer and the error message sit in the documented bodies.
 */
sealed interface VisionApi permits OllamaApi, OpenAiApi {

    /** The config value that selects this API. */
    String name();

    /** The image formats this API documents as accepted. */
    Set<ImageFormat> formats();

    /** The endpoint that lists the backend's models, probed by health checks. */
    URI modelsEndpoint(URI base);

    /** The models named in a successful answer from {@link #modelsEndpoint}. */
    List<String> models(Map<String, Object> answer) throws UnexpectedAnswerException;

    /** The endpoint that recognises text. */
    URI recogniseEndpoint(URI base);

    /** The body of a request asking {@code model} to transcribe {@code image} as {@code prompt} says. */
    Map<String, Object> recogniseRequest(String model, String prompt, byte[] image, ImageFormat format);

    /** The text in a successful answer from {@link #recogniseEndpoint}. */
    String text(Map<String, Object> answer) throws UnexpectedAnswerException;

    /** The message in an error answer, if the body has the documented error shape. */
    Optional<String> errorMessage(Map<String, Object> answer);

    /** Whether the backend serves {@code model}, given the models it listed. */
    default boolean serves(List<String> models, String model) {
        return models.contains(model);
    }

    static Optional<VisionApi> named(String name) {
        return switch (name) {
            case OllamaApi.NAME -> Optional.of(new OllamaApi());
            case OpenAiApi.NAME -> Optional.of(new OpenAiApi());
            default -> Optional.empty();
        };
    }

    /**
     * The names listed in a model-list answer: each object of the list under {@code listKey} contributes
     * its string field {@code nameKey}; entries without one are skipped.
     */
    static List<String> namesIn(Map<String, Object> answer, String listKey, String nameKey, String endpoint)
            throws UnexpectedAnswerException {
        if (!(answer.get(listKey) instanceof List<?> entries)) {
            throw new UnexpectedAnswerException("no \"" + listKey + "\" list in the answer of " + endpoint);
        }
        List<String> names = new ArrayList<>();
        for (Object entry : entries) {
            if (entry instanceof Map<?, ?> fields && fields.get(nameKey) instanceof String name) {
                names.add(name);
            }
        }
        return names;
    }
}
