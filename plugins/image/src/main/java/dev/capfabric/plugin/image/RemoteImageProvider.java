package dev.capfabric.plugin.image;

import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.Health;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.ProviderContext;
import dev.capfabric.spi.ProviderDescription;
import dev.capfabric.spi.Result;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * An image provider backed by a remote server. It is usable only while the server answers its
 * health probe with at least one model (and the configured default model among them), and it
 * advertises exactly the models the last probe found.
 *
 * <p>A job's parameters are read as {@link ImageRequest} describes. For {@code n = 1} the result is
 * the {@code image/png} bytes, with metadata {@code provider}, {@code model} and {@code seed} when known,
 * {@code width} and {@code height}. For {@code n > 1} it is a JSON result:
 * <pre>{@code {"images": [{"b64_png": "iVBOR…", "width": 512, "height": 512, "seed": 42}, …],
 *  "model": "sd-v1-5", "provider": "a1111"}}</pre>
 * where {@code model} and each {@code seed} appear only when the backend says. Every image returned
 * is a complete PNG; a backend that answers anything else fails the job as unavailable.
 */
final class RemoteImageProvider implements CapabilityProvider {

    // a JSON request holds a prompt and a few scalars; the prompt's own bound is max-prompt-chars
    private static final long MAX_INPUT_BYTES = 64 * 1024;

    /** What the last health probe found. */
    private record Probe(Health health, List<String> models) {
    }

    private final String id;
    private final BackendSettings settings;
    private final ImageBackend backend;
    private final System.Logger logger;
    private volatile Probe lastProbe = new Probe(Health.down("not probed yet"), List.of());

    RemoteImageProvider(String id, BackendSettings settings, ImageBackend backend, System.Logger logger) {
        this.id = requireNonNull(id, "id is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.backend = requireNonNull(backend, "backend is null");
        this.logger = requireNonNull(logger, "logger is null");
    }

    /**
     * Creates the provider when a backend is configured, and probes the backend once so that the first
     * {@link #describe()} already lists its models. A backend that is down does not prevent creation:
     * {@link #health()} reports it, and the kernel leaves the provider out until it answers.
     *
     * @param sizeMultiple what width and height must be multiples of for this backend
     * @param opener       makes the backend client from the settings; throws {@link IllegalArgumentException}
     *                     for invalid backend-specific configuration
     */
    static Creation create(String id, ProviderContext context, int sizeMultiple,
                           Function<BackendSettings, ImageBackend> opener) {
        if (context.config("base-url").isEmpty()) {
            return Creation.unusable("no backend configured: set capfabric.providers." + id + ".base-url");
        }
        RemoteImageProvider provider;
        try {
            BackendSettings settings = BackendSettings.from(context, sizeMultiple);
            provider = new RemoteImageProvider(id, settings, opener.apply(settings), context.logger());
        } catch (IllegalArgumentException e) {
            return Creation.unusable("invalid configuration: capfabric.providers." + id + "." + e.getMessage());
        }
        provider.health();
        return Creation.ready(provider);
    }

    @Override
    public ProviderDescription describe() {
        Limits limits = settings.limits();
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("api", backend.api());
        extra.put("backend", backend.name());
        extra.put("max-size", limits.maxSize().toString());
        extra.put("max-n", limits.maxImages());
        extra.put("max-steps", limits.maxSteps());
        extra.put("max-prompt-chars", limits.maxPromptChars());
        settings.defaultModel().ifPresent(model -> extra.put("default-model", model));
        return ProviderDescription.builder()
                .threading(ProviderDescription.Threading.VIRTUAL) // it only waits for the backend, on a socket
                .models(lastProbe.models())
                .accepts(List.of(Payload.JSON))
                .produces(List.of(PngImage.MEDIA_TYPE, Payload.JSON))
                .maxInputBytes(MAX_INPUT_BYTES)
                .concurrency(settings.concurrency())
                .extra(extra)
                .build();
    }

    @Override
    public Health health() {
        Probe probe = probe();
        Probe previous = lastProbe;
        lastProbe = probe;
        if (previous.health().usable() != probe.health().usable()) {
            boolean up = probe.health().usable();
            logger.log(up ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "{0} backend {1} is {2}: {3}",
                    backend.api(), backend.name(), up ? "up" : "down", probe.health().detail());
        }
        return probe.health();
    }

    private Probe probe() {
        List<String> models;
        try {
            models = backend.listModels(CallDeadline.within(settings.probeTimeout(), "probe-timeout-ms"));
        } catch (CapabilityException e) {
            return new Probe(Health.down(e.getMessage()), List.of());
        } catch (RuntimeException e) {
            return new Probe(Health.down("probing the backend failed: " + e), List.of());
        }
        if (models.isEmpty()) {
            return new Probe(Health.down("the backend offers no models"), models);
        }
        Optional<String> missingDefault = settings.defaultModel().filter(model -> !models.contains(model));
        if (missingDefault.isPresent()) {
            return new Probe(Health.down("the backend does not offer the configured model '" + missingDefault.get()
                    + "'; it offers " + String.join(", ", models)), models);
        }
        return new Probe(Health.ok("the backend offers " + models.size() + " model" + (models.size() == 1 ? "" : "s")),
                models);
    }

    @Override
    public Result handle(Job job) throws CapabilityException {
        ImageRequest request = ImageRequest.from(job, settings.limits());
        Optional<String> model = request.model().isPresent()
                ? Optional.of(offered(request.model().get()))
                : settings.defaultModel();
        Generation generation = backend.generate(request, model,
                CallDeadline.forJob(job, settings.jobTimeout(), "timeout-ms"));
        if (generation.images().size() < request.count()) {
            throw CapabilityException.unavailable("the backend returned " + generation.images().size() + " image(s) where "
                    + request.count() + " were asked for");
        }
        List<Generation.Image> images = generation.images().subList(0, request.count());
        return request.count() == 1 ? pngResult(images.getFirst(), generation.model()) : jsonResult(images, generation.model());
    }

    private String offered(String model) throws CapabilityException {
        Probe probe = lastProbe;
        if (probe.models().contains(model)) {
            return model;
        }
        if (probe.models().isEmpty()) {
            throw CapabilityException.unavailable("cannot run model '" + model + "': the backend's models are unknown ("
                    + probe.health().detail() + ")");
        }
        throw CapabilityException.unprocessable("model '" + model + "' is not offered by this backend; it offers "
                + String.join(", ", probe.models()));
    }

    private Result pngResult(Generation.Image image, Optional<String> model) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("provider", id);
        model.ifPresent(name -> metadata.put("model", name));
        image.seed().ifPresent(seed -> metadata.put("seed", seed));
        metadata.put("width", image.png().width());
        metadata.put("height", image.png().height());
        return Result.of(new Payload(PngImage.MEDIA_TYPE, image.png().bytes()), metadata);
    }

    private Result jsonResult(List<Generation.Image> images, Optional<String> model) {
        List<Map<String, Object>> encoded = new ArrayList<>();
        for (Generation.Image image : images) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("b64_png", Base64.getEncoder().encodeToString(image.png().bytes()));
            fields.put("width", image.png().width());
            fields.put("height", image.png().height());
            image.seed().ifPresent(seed -> fields.put("seed", seed));
            encoded.add(fields);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("images", encoded);
        model.ifPresent(name -> result.put("model", name));
        result.put("provider", id);
        return Result.json(result);
    }

    @Override
    public void close() {
        backend.close();
    }
}
