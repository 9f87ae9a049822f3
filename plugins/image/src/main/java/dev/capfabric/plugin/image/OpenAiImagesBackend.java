package dev.capfabric.plugin.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.capfabric.spi.CapabilityException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

import static java.util.Objects.requireNonNull;

/**
 * The OpenAI images API as LocalAI, the stable-diffusion.cpp server and OpenAI serve it:
 * {@code POST /v1/images/generations} with {@code {"model", "prompt", "n", "size", "response_format"}},
 * answered with {@code {"data": [{"b64_json"} or {"url"}]}}; models from {@code GET /v1/models}.
 * The API has no steps or seed, so jobs asking for them are refused rather than silently run without.
 */
final class OpenAiImagesBackend implements ImageBackend {

    static final String GENERATIONS = "/v1/images/generations";
    static final String MODELS = "/v1/models";

    /** What {@code response_format} to ask for; {@code none} leaves it out, for servers that reject it. */
    enum ResponseFormat {
        B64_JSON, URL, NONE;

        static ResponseFormat of(String configured) {
            try {
                return valueOf(configured.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("response-format must be b64_json, url or none; got '" + configured + "'");
            }
        }

        Optional<String> wireValue() {
            return this == NONE ? Optional.empty() : Optional.of(name().toLowerCase(Locale.ROOT));
        }
    }

    private final BackendHttp http;
    private final ResponseFormat responseFormat;

    /**
     * @param apiKey sent as a bearer token to the backend (and only to it)
     */
    OpenAiImagesBackend(BackendSettings settings, Optional<String> apiKey, ResponseFormat responseFormat) {
        this.http = new BackendHttp(settings.baseUrl(), apiKey.map(key -> "Bearer " + key),
                settings.maxResponseBytes(), settings.probeTimeout());
        this.responseFormat = requireNonNull(responseFormat, "responseFormat is null");
    }

    @Override
    public String api() {
        return "openai-images";
    }

    @Override
    public String name() {
        return http.backendName();
    }

    @Override
    public List<String> listModels(CallDeadline deadline) throws CapabilityException {
        JsonNode data = http.getJson(MODELS, deadline).path("data");
        if (!data.isArray()) {
            throw CapabilityException.unavailable("GET " + MODELS + " answered without a \"data\" list: "
                    + "the backend does not look like an OpenAI-compatible server");
        }
        List<String> models = new ArrayList<>();
        for (JsonNode model : data) {
            String id = model.path("id").asText("");
            if (!id.isBlank() && !models.contains(id)) {
                models.add(id);
            }
        }
        return models;
    }

    @Override
    public Generation generate(ImageRequest request, Optional<String> model, CallDeadline deadline)
            throws CapabilityException {
        if (request.steps().isPresent() || request.seed().isPresent()) {
            throw CapabilityException.unprocessable("the OpenAI images API has no "
                    + (request.steps().isPresent() ? "steps" : "seed")
                    + " parameter: leave it out, or send the job to an a1111 provider");
        }
        ObjectNode body = http.object();
        model.ifPresent(name -> body.put("model", name));
        body.put("prompt", request.prompt());
        body.put("n", request.count());
        request.size().ifPresent(size -> body.put("size", size.toString()));
        responseFormat.wireValue().ifPresent(format -> body.put("response_format", format));

        JsonNode data = http.postJson(GENERATIONS, body, deadline).path("data");
        if (!data.isArray()) {
            throw CapabilityException.unavailable("POST " + GENERATIONS + " answered without a \"data\" list of images");
        }
        List<Generation.Image> images = new ArrayList<>();
        for (int i = 0; i < data.size() && i < request.count(); i++) {
            images.add(new Generation.Image(image(data.get(i), i + 1, deadline), OptionalLong.empty()));
        }
        return new Generation(images, model);
    }

    private PngImage image(JsonNode item, int number, CallDeadline deadline) throws CapabilityException {
        String origin = "image " + number + " from the backend";
        if (item.path("b64_json").isTextual()) {
            return PngImage.fromBase64(item.get("b64_json").asText(), origin);
        }
        if (item.path("url").isTextual()) {
            return PngImage.verify(http.download(item.get("url").asText(), deadline), origin);
        }
        throw CapabilityException.unavailable(origin + " has neither \"b64_json\" nor \"url\"");
    }

    @Override
    public void close() {
        http.close();
    }
}
