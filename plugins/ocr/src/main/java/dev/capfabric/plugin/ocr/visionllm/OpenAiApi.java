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
 * The OpenAI-compatible chat API: {@code POST /v1/chat/completions} with a user message holding a
 * text part and an {@code image_url} part carrying a {@code data:} URL, answering
 * {@code {"choices": [{"message": {"content": ...}}]}}; models from {@code GET /v1/models}; errors
 * as {@code {"error": {"message": ...}}}.
 */
record OpenAiApi() implements VisionApi {

    static final String NAME = "openai";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<ImageFormat> formats() {
        // the formats OpenAI documents for image inputs (GIF too, which the OCR providers do not take)
        return Set.of(ImageFormat.PNG, ImageFormat.JPEG, ImageFormat.WEBP);
    }

    @Override
    public URI modelsEndpoint(URI base) {
        return base.resolve("v1/models");
    }

    @Override
    public List<String> models(Map<String, Object> answer) throws UnexpectedAnswerException {
        return VisionApi.namesIn(answer, "data", "id", "/v1/models");
    }

    @Override
    public URI recogniseEndpoint(URI base) {
        return base.resolve("v1/chat/completions");
    }

    @Override
    public Map<String, Object> recogniseRequest(String model, String prompt, byte[] image, ImageFormat format) {
        String dataUrl = "data:" + format.mediaType() + ";base64," + Base64.getEncoder().encodeToString(image);
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("model", model);
        request.put("messages", List.of(Map.of(
                "role", "user",
                "content", List.of(
                        Map.of("type", "text", "text", prompt),
                        Map.of("type", "image_url", "image_url", Map.of("url", dataUrl))))));
        request.put("temperature", 0);
        return request;
    }

    @Override
    public String text(Map<String, Object> answer) throws UnexpectedAnswerException {
        if (answer.get("choices") instanceof List<?> choices && !choices.isEmpty()
                && choices.getFirst() instanceof Map<?, ?> choice
                && choice.get("message") instanceof Map<?, ?> message) {
            Object content = message.get("content");
            if (content instanceof String text) {
                return text;
            }
            if (content == null) {
                return ""; // a refusal or an empty answer carries no content
            }
        }
        throw new UnexpectedAnswerException("no choices[0].message.content in the answer of /v1/chat/completions");
    }

    @Override
    public Optional<String> errorMessage(Map<String, Object> answer) {
        if (answer.get("error") instanceof Map<?, ?> error && error.get("message") instanceof String message) {
            return Optional.of(message);
        }
        return answer.get("error") instanceof String message ? Optional.of(message) : Optional.empty();
    }
}
