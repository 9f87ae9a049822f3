package dev.capfabric.plugin.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityException.Kind;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The AUTOMATIC1111 web UI API, also served by Forge and SD.Next when started with {@code --api}:
 * {@code POST /sdapi/v1/txt2img} with {@code {"prompt", "width", "height", "steps", "seed", "batch_size",
 * "override_settings": {"sd_model_checkpoint"}}}, answered with {@code {"images": [base64 PNG…], "info": "<JSON>"}};
 * checkpoints from {@code GET /sdapi/v1/sd-models}, offered by their {@code model_name}, which
 * {@code sd_model_checkpoint} accepts as well as the title.
 */
final class A1111Backend implements ImageBackend {

    static final String TXT2IMG = "/sdapi/v1/txt2img";
    static final String SD_MODELS = "/sdapi/v1/sd-models";

    // the API's "pick one at random"
    private static final long RANDOM_SEED = -1;

    private final BackendHttp http;

    /**
     * @param apiAuth {@code user:password} for a server started with {@code --api-auth}, sent as HTTP basic auth
     * @throws IllegalArgumentException when {@code apiAuth} has no colon
     */
    A1111Backend(BackendSettings settings, Optional<String> apiAuth) {
        if (apiAuth.isPresent() && !apiAuth.get().contains(":")) {
            throw new IllegalArgumentException("api-auth must be USER:PASSWORD, as given to the server's --api-auth");
        }
        this.http = new BackendHttp(settings.baseUrl(),
                apiAuth.map(auth -> "Basic " + Base64.getEncoder().encodeToString(auth.getBytes(StandardCharsets.UTF_8))),
                settings.maxResponseBytes(), settings.probeTimeout());
    }

    @Override
    public String api() {
        return "a1111";
    }

    @Override
    public String name() {
        return http.backendName();
    }

    @Override
    public List<String> listModels(CallDeadline deadline) throws CapabilityException {
        JsonNode checkpoints;
        try {
            checkpoints = http.getJson(SD_MODELS, deadline);
        } catch (CapabilityException e) {
            if (e.kind() == Kind.UNPROCESSABLE) {
                throw CapabilityException.unavailable(e.getMessage() + " (is the server started with --api?)");
            }
            throw e;
        }
        if (!checkpoints.isArray()) {
            throw CapabilityException.unavailable("GET " + SD_MODELS + " answered without a list of checkpoints: "
                    + "the backend does not look like an AUTOMATIC1111-compatible server");
        }
        List<String> models = new ArrayList<>();
        for (JsonNode checkpoint : checkpoints) {
            String name = checkpoint.path("model_name").asText(checkpoint.path("title").asText(""));
            if (!name.isBlank() && !models.contains(name)) {
                models.add(name);
            }
        }
        return models;
    }

    @Override
    public Generation generate(ImageRequest request, Optional<String> model, CallDeadline deadline)
            throws CapabilityException {
        ObjectNode body = http.object();
        body.put("prompt", request.prompt());
        request.size().ifPresent(size -> body.put("width", size.width()).put("height", size.height()));
        request.steps().ifPresent(steps -> body.put("steps", steps));
        body.put("seed", request.seed().orElse(RANDOM_SEED));
        body.put("batch_size", request.count());
        model.ifPresent(name -> body.putObject("override_settings").put("sd_model_checkpoint", name));

        JsonNode answer = http.postJson(TXT2IMG, body, deadline);
        JsonNode images = answer.path("images");
        if (!images.isArray()) {
            throw CapabilityException.unavailable("POST " + TXT2IMG + " answered without an \"images\" list");
        }
        // "info" is a JSON document inside a string; it tells the seeds actually used and the model
        JsonNode info = answer.path("info").isTextual() ? http.parse(answer.path("info").asText()) : answer.path("info");
        List<Generation.Image> generated = new ArrayList<>();
        for (int i = 0; i < images.size() && i < request.count(); i++) {
            PngImage png = PngImage.fromBase64(images.get(i).asText(""), "image " + (i + 1) + " from the backend");
            generated.add(new Generation.Image(png, seed(info, i)));
        }
        String usedModel = info.path("sd_model_name").asText("");
        return new Generation(generated, usedModel.isBlank() ? model : Optional.of(usedModel));
    }

    private static OptionalLong seed(JsonNode info, int index) {
        JsonNode seeds = info.path("all_seeds");
        if (seeds.isArray() && seeds.get(index) != null && seeds.get(index).canConvertToLong()) {
            return OptionalLong.of(seeds.get(index).asLong());
        }
        return index == 0 && info.path("seed").canConvertToLong() ? OptionalLong.of(info.path("seed").asLong()) : OptionalLong.empty();
    }

    @Override
    public void close() {
        http.close();
    }
}
