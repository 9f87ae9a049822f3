package dev.capfabric.plugin.tts.openai;

import com.fasterxml.jackson.jr.ob.JSON;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.capfabric.plugin.tts.audio.PcmAudio;
import dev.capfabric.plugin.tts.audio.WavFiles;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An OpenAI-compatible speech server in the shape of Kokoro-FastAPI (the default) or OpenAI itself:
 * {@code GET /v1/models}, {@code GET /v1/audio/voices} (Kokoro only) and {@code POST /v1/audio/speech},
 * with the error bodies each sends. Its "speech" is a tone whose length follows the text and speed, at
 * 24 kHz like both servers, written with a streaming header (Kokoro streams by default).
 */
final class FakeSpeechServer implements AutoCloseable {

    /** How the server behaves on {@code POST /v1/audio/speech}. */
    enum Mode { NORMAL, SLOW, SERVER_ERROR, RATE_LIMITED, OK_BUT_JSON }

    static final List<String> MODELS = List.of("tts-1", "tts-1-hd", "kokoro");
    static final List<String> VOICES = List.of("af_bella", "af_sky", "am_adam");
    static final int SAMPLE_RATE = 24_000;

    private final HttpServer server;
    private final boolean listsVoices;
    private final Optional<String> requiredKey;
    private volatile Mode mode = Mode.NORMAL;
    private final AtomicReference<Map<String, Object>> lastRequest = new AtomicReference<>();
    private final AtomicReference<String> lastAuthorization = new AtomicReference<>();

    private FakeSpeechServer(boolean listsVoices, Optional<String> requiredKey) throws IOException {
        this.listsVoices = listsVoices;
        this.requiredKey = requiredKey;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::serve);
        server.start();
    }

    /** Kokoro-FastAPI: lists voices, needs no key. */
    static FakeSpeechServer kokoro() throws IOException {
        return new FakeSpeechServer(true, Optional.empty());
    }

    /** OpenAI: no voice list, needs the key. */
    static FakeSpeechServer openAi(String key) throws IOException {
        return new FakeSpeechServer(false, Optional.of(key));
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void mode(Mode mode) {
        this.mode = mode;
    }

    Map<String, Object> lastRequest() {
        return lastRequest.get();
    }

    String lastAuthorization() {
        return lastAuthorization.get();
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            lastAuthorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
            if (requiredKey.isPresent() && !("Bearer " + requiredKey.get()).equals(lastAuthorization.get())) {
                json(exchange, 401, Map.of("error", Map.of("message", "Incorrect API key provided: sk-wr***",
                        "type", "invalid_request_error", "param", "null", "code", "invalid_api_key")));
                return;
            }
            if (method.equals("GET") && path.equals("/v1/models")) {
                json(exchange, 200, Map.of("object", "list", "data",
                        MODELS.stream().map(id -> Map.of("id", id, "object", "model", "owned_by", "kokoro")).toList()));
            } else if (method.equals("GET") && path.equals("/v1/audio/voices") && listsVoices) {
                json(exchange, 200, Map.of("voices", VOICES.stream().map(v -> Map.of("id", v, "name", v)).toList()));
            } else if (method.equals("POST") && path.equals("/v1/audio/speech")) {
                speech(exchange);
            } else if (listsVoices) {
                json(exchange, 404, Map.of("detail", "Not Found"));
            } else {
                json(exchange, 404, Map.of("error", Map.of("message", "Invalid URL (" + method + " " + path + ")",
                        "type", "invalid_request_error")));
            }
        }
    }

    private void speech(HttpExchange exchange) throws IOException {
        Map<String, Object> request = JSON.std.mapFrom(exchange.getRequestBody().readAllBytes());
        lastRequest.set(request);
        switch (mode) {
            case SLOW -> sleep(10_000);
            case SERVER_ERROR -> {
                json(exchange, 500, Map.of("detail", Map.of("error", "processing_error",
                        "message", "CUDA out of memory", "type", "server_error")));
                return;
            }
            case RATE_LIMITED -> {
                json(exchange, 429, Map.of("error", Map.of("message", "Rate limit reached for requests", "type", "requests")));
                return;
            }
            case OK_BUT_JSON -> {
                json(exchange, 200, Map.of("status", "queued"));
                return;
            }
            case NORMAL -> {
            }
        }
        String input = String.valueOf(request.get("input"));
        if (input.isEmpty()) {
            json(exchange, 422, Map.of("detail", List.of(Map.of("type", "string_too_short", "loc", List.of("body", "input"),
                    "msg", "String should have at least 1 character"))));
            return;
        }
        if (!MODELS.contains(request.get("model"))) {
            json(exchange, 400, Map.of("detail", Map.of("error", "invalid_model",
                    "message", "Unsupported model: " + request.get("model"), "type", "invalid_request_error")));
            return;
        }
        if (listsVoices && !VOICES.contains(request.get("voice"))) {
            json(exchange, 400, Map.of("detail", Map.of("error", "validation_error",
                    "message", "Voice '" + request.get("voice") + "' not found. Available voices: " + String.join(", ", VOICES),
                    "type", "invalid_request_error")));
            return;
        }
        double speed = ((Number) request.get("speed")).doubleValue();
        String format = String.valueOf(request.get("response_format"));
        byte[] audio = switch (format) {
            case "wav" -> streamedWav(input, speed);
            case "mp3" -> ("ID3" + "fake mp3 frames for " + input).getBytes(StandardCharsets.US_ASCII);
            default -> null;
        };
        if (audio == null) {
            json(exchange, 422, Map.of("detail", List.of(Map.of("type", "literal_error", "loc", List.of("body", "response_format"),
                    "msg", "Input should be 'mp3', 'opus', 'aac', 'flac', 'wav' or 'pcm'"))));
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", format.equals("wav") ? "audio/wav" : "audio/mpeg");
        exchange.sendResponseHeaders(200, 0); // chunked, as Kokoro streams
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(audio);
        }
    }

    /** A tone of 60 ms per character at speed 1, behind a header whose sizes say "unknown" as in a stream. */
    static byte[] streamedWav(String text, double speed) {
        int frames = (int) (SAMPLE_RATE * 0.06 * text.length() / speed);
        short[] samples = new short[frames];
        for (int i = 0; i < frames; i++) {
            samples[i] = (short) (0.3 * Short.MAX_VALUE * Math.sin(2 * Math.PI * 220 * i / SAMPLE_RATE));
        }
        byte[] wav = WavFiles.write(new PcmAudio(SAMPLE_RATE, 1, samples));
        ByteBuffer header = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(4, 0xFFFFFFFF);
        header.putInt(40, 0xFFFFFFFF);
        return wav;
    }

    private static void json(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = JSON.std.asBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
