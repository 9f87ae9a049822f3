package dev.capfabric.plugin.ocr.visionllm;

import dev.capfabric.plugin.ocr.image.ImageFormat;

import java.net.URI;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Ollama's native API: {@code POST /api/generate} with {@code "images": [base64]} and
 * {@code "stream": false}, answering {@code {"response": ...}}; models from {@code GET /api/tags};
 * errors as {@code {"error": "..."}}.
 */
record OllamaApi() implements VisionApi {

    static final String NAME = "ollama";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<ImageFormat> formats() {
        // Ollama's API names no formats; PNG and JPEG are what its vision models take everywhere, and
        // others depend on the model runner's decoder, so they are refused here rather than guessed at
        return Set.of(ImageFormat.PNG, ImageFormat.JPEG);
    }

    @Override
    public URI modelsEndpoint(URI base) {
        return base.resolve("api/tags");
    }

    @Override
    public List<String> models(Map<String, Object> answer) throws UnexpectedAnswerException {
        return VisionApi.namesIn(answer, "models", "name", "/api/tags");
    }

    @Override
    public URI recogniseEndpoint(URI base) {
        return base.resolve("api/generate");
    }

    @Override
    public Map<String, Object> recogniseRequest(String model, String prompt, byte[] image, ImageFormat format) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("model", model);
        request.put("prompt", prompt);
        request.put("images", List.of(Base64.getEncoder().encodeToString(image)));
        request.put("stream", false);
        request.put("options", Map.of("temperature", 0));
        return request;
    }

    @Override
    public String text(Map<String, Object> answer) throws UnexpectedAnswerException {
        if (answer.get("response") instanceof String response) {
            return response;
        }
        throw new UnexpectedAnswerException("no \"response\" text in the answer of /api/generate");
    }

    @Override
    public Optional<String> errorMessage(Map<String, Object> answer) {
        return answer.get("error") instanceof String message ? Optional.of(message) : Optional.empty();
    }

    /** Ollama lists {@code llava:latest} for a model pulled as {@code llava}. */
    @Override
    public boolean serves(List<String> models, String model) {
        return models.contains(model) || !model.contains(":") && models.contains(model + ":latest");
    }
}
