package dev.capfabric.plugin.ocr.visionllm;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ollama's API as documented: {@code GET /api/tags} lists models; {@code POST /api/generate} with
 * {@code "stream": false} answers one object with {@code "response"}; errors are
 * {@code {"error": "..."}} (404 for a model that is not pulled, 400 for a malformed request).
 */
final class FakeOllama extends FakeBackend {

    FakeOllama() throws IOException {
        models = List.of("llava:latest", "moondream:latest");
    }

    @Override
    boolean answer(HttpExchange exchange, Received request) throws IOException {
        if (request.method().equals("GET") && request.path().equals("/api/tags")) {
            sendJson(exchange, 200, Map.of("models", models.stream().map(name -> Map.of(
                    "name", name, "model", name, "modified_at", "2025-05-01T10:00:00Z", "size", 4_700_000_000L,
                    "digest", "8fe2", "details", Map.of("format", "gguf", "family", "llama"))).toList()));
            return true;
        }
        if (request.method().equals("POST") && request.path().equals("/api/generate")) {
            Object model = request.json().get("model");
            if (!(model instanceof String name) || name.isEmpty()) {
                sendJson(exchange, 400, Map.of("error", "model is required"));
            } else if (!models.contains(name) && !models.contains(name + ":latest")) {
                sendJson(exchange, 404, Map.of("error", "model '" + name + "' not found, try pulling it first"));
            } else if (!(request.json().get("images") instanceof List<?> images) || images.isEmpty()) {
                sendJson(exchange, 400, Map.of("error", "this test backend expects an image"));
            } else {
                Map<String, Object> answer = new LinkedHashMap<>();
                answer.put("model", name);
                answer.put("created_at", "2025-05-01T10:00:01Z");
                answer.put("response", transcript);
                answer.put("done", true);
                answer.put("done_reason", "stop");
                answer.put("total_duration", 1_200_000_000L);
                answer.put("eval_count", 12);
                sendJson(exchange, 200, answer);
            }
            return true;
        }
        return false;
    }
}
