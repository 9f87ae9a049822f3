package dev.capfabric.plugin.tts.openai;

import com.fasterxml.jackson.jr.ob.JSON;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON of the OpenAI speech API and of the servers that copy it: the request body, the model and
 * voice lists, and the error bodies, in each shape found in the wild:
 *
 * <ul>
 *   <li>OpenAI and LocalAI: {@code {"error": {"message": ..., "type": ...}}}</li>
 *   <li>Kokoro-FastAPI: {@code {"detail": {"error": ..., "message": ..., "type": ...}}}</li>
 *   <li>FastAPI validation: {@code {"detail": [{"loc": [...], "msg": ..., "type": ...}]}}</li>
 *   <li>plain FastAPI: {@code {"detail": "Not Found"}}</li>
 * </ul>
 */
final class SpeechApiJson {

    private SpeechApiJson() {
    }

    /** The body of {@code POST /v1/audio/speech}. */
    static byte[] speechRequest(String model, String input, String voice, String format, double speed) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("input", input);
        body.put("voice", voice);
        body.put("response_format", format);
        body.put("speed", speed);
        try {
            return JSON.std.asBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a JSON object of strings and a number", e);
        }
    }

    /**
     * The model ids of a {@code GET /v1/models} answer: {@code {"data": [{"id": ...}, ...]}}.
     *
     * @throws IllegalArgumentException when the answer has another shape
     */
    static List<String> modelIds(byte[] answer) {
        Object data = object(answer).get("data");
        if (!(data instanceof List<?> entries)) {
            throw new IllegalArgumentException("no \"data\" list in the model list");
        }
        List<String> ids = new ArrayList<>();
        for (Object entry : entries) {
            if (entry instanceof Map<?, ?> model && model.get("id") instanceof String id && !id.isBlank()) {
                ids.add(id);
            }
        }
        return List.copyOf(ids);
    }

    /**
     * The voice names of a {@code GET /v1/audio/voices} answer (Kokoro-FastAPI): {@code {"voices": [...]}}
     * whose entries are names or objects with an {@code id} or {@code name}.
     *
     * @throws IllegalArgumentException when the answer has another shape
     */
    static List<String> voiceNames(byte[] answer) {
        Object voices = object(answer).get("voices");
        if (!(voices instanceof List<?> entries)) {
            throw new IllegalArgumentException("no \"voices\" list in the voice list");
        }
        List<String> names = new ArrayList<>();
        for (Object entry : entries) {
            Object name = entry instanceof Map<?, ?> voice ? (voice.get("id") != null ? voice.get("id") : voice.get("name")) : entry;
            if (name instanceof String text && !text.isBlank() && !names.contains(text)) {
                names.add(text);
            }
        }
        return List.copyOf(names);
    }

    /** What an error body says, if it is JSON in one of the known shapes. */
    static Optional<String> errorMessage(byte[] answer) {
        Map<String, Object> body;
        try {
            body = object(answer);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        Object error = body.get("error");
        if (error instanceof Map<?, ?> openAi && openAi.get("message") instanceof String message) {
            return Optional.of(message);
        }
        if (error instanceof String message) {
            return Optional.of(message);
        }
        Object detail = body.get("detail");
        if (detail instanceof Map<?, ?> kokoro && kokoro.get("message") instanceof String message) {
            return Optional.of(message);
        }
        if (detail instanceof String message) {
            return Optional.of(message);
        }
        if (detail instanceof List<?> problems && !problems.isEmpty()) {
            List<String> messages = new ArrayList<>();
            for (Object problem : problems) {
                if (problem instanceof Map<?, ?> validation && validation.get("msg") instanceof String msg) {
                    Object where = validation.get("loc");
                    messages.add(where instanceof List<?> path ? path + ": " + msg : msg);
                }
            }
            return messages.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", messages));
        }
        return Optional.empty();
    }

    private static Map<String, Object> object(byte[] answer) {
        try {
            Object parsed = JSON.std.anyFrom(answer);
            if (parsed instanceof Map<?, ?> map) {
                @SuppressWarnings("unchecked")
                Map<String, Object> object = (Map<String, Object>) map;
                return object;
            }
            throw new IllegalArgumentException("expected a JSON object");
        } catch (IOException e) {
            String message = String.valueOf(e.getMessage());
            throw new IllegalArgumentException("not JSON: " + message.lines().findFirst().orElse(message), e);
        }
    }
}
