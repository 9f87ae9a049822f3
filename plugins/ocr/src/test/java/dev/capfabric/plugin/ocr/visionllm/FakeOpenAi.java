package dev.capfabric.plugin.ocr.visionllm;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenAI API as documented: {@code GET /v1/models} lists {@code {"data": [{"id"}]}};
 * {@code POST /v1/chat/completions} answers {@code {"choices": [{"message": {"content"}}]}};
 * errors are {@code {"error": {"message", "type", "param", "code"}}} (401 for a wrong key, 404 for
 * an unknown model). Requires {@code Authorization: Bearer <apiKey>} when a key is set.
 */
final class FakeOpenAi extends FakeBackend {

    volatile String apiKey;

    FakeOpenAi() throws IOException {
        models = List.of("gpt-4o-mini", "qwen2.5-vl");
    }

    @Override
    boolean answer(HttpExchange exchange, Received request) throws IOException {
        if (apiKey != null && !request.authorization().orElse("").equals("Bearer " + apiKey)) {
            sendJson(exchange, 401, error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"));
            return true;
        }
        if (request.method().equals("GET") && request.path().equals("/v1/models")) {
            sendJson(exchange, 200, Map.of("object", "list", "data", models.stream().map(id -> Map.of(
                    "id", id, "object", "model", "created", 1_715_367_049L, "owned_by", "system")).toList()));
            return true;
        }
        if (request.method().equals("POST") && request.path().equals("/v1/chat/completions")) {
            Object model = request.json().get("model");
            if (!(model instanceof String name) || !models.contains(name)) {
                sendJson(exchange, 404, error("The model `" + model + "` does not exist or you do not have access to it.",
                        "invalid_request_error", "model_not_found"));
                return true;
            }
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("id", "chatcmpl-1");
            answer.put("object", "chat.completion");
            answer.put("created", 1_715_367_100L);
            answer.put("model", name);
            answer.put("choices", List.of(Map.of("index", 0, "finish_reason", "stop",
                    "message", Map.of("role", "assistant", "content", transcript))));
            answer.put("usage", Map.of("prompt_tokens", 800, "completion_tokens", 12, "total_tokens", 812));
            sendJson(exchange, 200, answer);
            return true;
        }
        return false;
    }

    static Map<String, Object> error(String message, String type, String code) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("type", type);
        error.put("param", null);
        error.put("code", code);
        return Map.of("error", error);
    }
}
