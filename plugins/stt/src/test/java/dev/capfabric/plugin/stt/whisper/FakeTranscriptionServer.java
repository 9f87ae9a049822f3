package dev.capfabric.plugin.stt.whisper;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OpenAI-compatible transcription server on loopback, speaking the documented API:
 * {@code POST /v1/audio/transcriptions} (multipart/form-data with {@code file}, {@code model},
 * {@code language}, {@code response_format}) answering {@code {"text": ...}}, and {@code GET /v1/models}.
 * It cannot recognise speech, so it answers a transcript set by the test and records what it received.
 * Errors come in the shapes the real servers use; {@link #behave} makes it slow, failing or dying.
 */
final class FakeTranscriptionServer implements AutoCloseable {

    /** How the server answers the next transcription requests. */
    enum Behaviour { NORMAL, SLOW, LOCALAI_500, WHISPER_CPP_500, FASTAPI_422, TOO_LARGE_413, RATE_LIMITED_429, DIE_MID_RESPONSE }

    /** One received multipart request. */
    record Upload(Map<String, String> headers, Map<String, String> fields, String fileName, String fileType, byte[] file) {
    }

    static final List<String> KNOWN_MODELS = List.of("whisper-1", "gpt-4o-mini", "tts-1");
    static final List<String> KNOWN_LANGUAGES = List.of("en", "de", "fr", "es", "nl");

    private final HttpServer server;
    private final String apiKey;
    private final List<Upload> uploads = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> hits = new ConcurrentHashMap<>();
    private volatile Behaviour behaviour = Behaviour.NORMAL;
    private volatile String transcript = "hello from the backend";
    private volatile String detectedLanguage = null;
    private volatile boolean listsModels = true;

    FakeTranscriptionServer(String apiKey) throws IOException {
        this.apiKey = apiKey;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/audio/transcriptions", this::transcribe);
        server.createContext("/v1/models", this::models);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void behave(Behaviour behaviour) {
        this.behaviour = behaviour;
    }

    void answer(String transcript, String detectedLanguage) {
        this.transcript = transcript;
        this.detectedLanguage = detectedLanguage;
    }

    /** Like whisper.cpp's server, which has no {@code /v1/models}. */
    void listModels(boolean lists) {
        this.listsModels = lists;
    }

    List<Upload> uploads() {
        return uploads;
    }

    int hits(String path) {
        return hits.getOrDefault(path, 0);
    }

    private void models(HttpExchange exchange) throws IOException {
        hits.merge("/v1/models", 1, Integer::sum);
        if (!authorized(exchange)) {
            return;
        }
        if (!listsModels) {
            send(exchange, 404, "text/plain", "File Not Found");
            return;
        }
        StringBuilder data = new StringBuilder();
        for (String model : KNOWN_MODELS) {
            data.append(data.isEmpty() ? "" : ",")
                    .append("{\"id\":\"").append(model).append("\",\"object\":\"model\",\"owned_by\":\"system\"}");
        }
        send(exchange, 200, "application/json", "{\"object\":\"list\",\"data\":[" + data + "]}");
    }

    private void transcribe(HttpExchange exchange) throws IOException {
        hits.merge("/v1/audio/transcriptions", 1, Integer::sum);
        byte[] body = exchange.getRequestBody().readAllBytes();
        if (!authorized(exchange)) {
            return;
        }
        Upload upload = parse(exchange, body);
        uploads.add(upload);
        switch (behaviour) {
            case SLOW -> pause(5_000);
            case LOCALAI_500 -> {
                send(exchange, 500, "application/json",
                        "{\"error\":{\"code\":500,\"message\":\"could not load model: rpc error\",\"type\":\"\"}}");
                return;
            }
            case WHISPER_CPP_500 -> {
                send(exchange, 500, "application/json", "{\"error\":\"failed to process audio\"}");
                return;
            }
            case FASTAPI_422 -> {
                send(exchange, 422, "application/json",
                        "{\"detail\":[{\"loc\":[\"body\",\"file\"],\"msg\":\"field required\",\"type\":\"value_error.missing\"}]}");
                return;
            }
            case TOO_LARGE_413 -> {
                send(exchange, 413, "application/json", openAiError("Maximum content size limit exceeded.", null, null));
                return;
            }
            case RATE_LIMITED_429 -> {
                send(exchange, 429, "application/json", openAiError("Rate limit reached for requests", null, "rate_limit_exceeded"));
                return;
            }
            case DIE_MID_RESPONSE -> {
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, 1_000);
                OutputStream out = exchange.getResponseBody();
                out.write("{\"text\": \"hel".getBytes(StandardCharsets.UTF_8));
                out.flush();
                // closing the connection without the promised 1000 bytes
                exchange.close();
                return;
            }
            case NORMAL -> {
            }
        }
        if (upload.file() == null || upload.file().length < 12
                || !new String(upload.file(), 0, 4, StandardCharsets.ISO_8859_1).equals("RIFF")) {
            send(exchange, 400, "application/json", openAiError(
                    "Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']",
                    "file", null));
            return;
        }
        String model = upload.fields().getOrDefault("model", "");
        if (!KNOWN_MODELS.contains(model)) {
            send(exchange, 404, "application/json",
                    openAiError("The model `" + model + "` does not exist or you do not have access to it.", "model", "model_not_found"));
            return;
        }
        String language = upload.fields().get("language");
        if (language != null && !KNOWN_LANGUAGES.contains(language)) {
            send(exchange, 400, "application/json", openAiError("Invalid language '" + language
                    + "'. Language parameter must be specified in ISO-639-1 format.", "language", null));
            return;
        }
        String detected = detectedLanguage == null ? "" : ",\"language\":\"" + detectedLanguage + "\"";
        send(exchange, 200, "application/json", "{\"text\":\"" + transcript + "\"" + detected + "}");
    }

    private boolean authorized(HttpExchange exchange) throws IOException {
        if (apiKey == null || ("Bearer " + apiKey).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            return true;
        }
        send(exchange, 401, "application/json", openAiError(
                "Incorrect API key provided: sk-wr***ng. You can find your API key at https://platform.openai.com/account/api-keys.",
                null, "invalid_api_key"));
        return false;
    }

    private static String openAiError(String message, String param, String code) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"invalid_request_error\",\"param\":"
                + (param == null ? "null" : "\"" + param + "\"") + ",\"code\":"
                + (code == null ? "null" : "\"" + code + "\"") + "}}";
    }

    private static Upload parse(HttpExchange exchange, byte[] body) {
        Map<String, String> headers = new ConcurrentHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values.getFirst()));
        Matcher boundary = Pattern.compile("boundary=([^;]+)").matcher(headers.getOrDefault("content-type", ""));
        Map<String, String> fields = new ConcurrentHashMap<>();
        String fileName = null;
        String fileType = null;
        byte[] file = null;
        if (headers.getOrDefault("content-type", "").startsWith("multipart/form-data") && boundary.find()) {
            String raw = new String(body, StandardCharsets.ISO_8859_1);
            for (String part : raw.split("--" + Pattern.quote(boundary.group(1)))) {
                int split = part.indexOf("\r\n\r\n");
                if (split < 0) {
                    continue;
                }
                String partHeaders = part.substring(0, split);
                String content = part.substring(split + 4, part.length() - 2);
                Matcher name = Pattern.compile("name=\"([^\"]*)\"").matcher(partHeaders);
                if (!name.find()) {
                    continue;
                }
                Matcher filename = Pattern.compile("filename=\"([^\"]*)\"").matcher(partHeaders);
                if (filename.find()) {
                    fileName = filename.group(1);
                    Matcher type = Pattern.compile("Content-Type: (\\S+)").matcher(partHeaders);
                    fileType = type.find() ? type.group(1) : null;
                    file = content.getBytes(StandardCharsets.ISO_8859_1);
                } else {
                    fields.put(name.group(1), new String(content.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
                }
            }
        }
        return new Upload(headers, fields, fileName, fileType, file);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
