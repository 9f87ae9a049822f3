package dev.capfabric.plugin.ocr.visionllm;

import dev.capfabric.plugin.ocr.image.ImageFormat;
import dev.capfabric.plugin.ocr.image.ImageHeader;
import dev.capfabric.plugin.ocr.job.OcrParameters;
import dev.capfabric.plugin.ocr.job.RecognisedText;
import dev.capfabric.plugin.ocr.job.TextSpan;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Health;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.ProviderDescription;
import dev.capfabric.spi.Result;

import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

import static java.util.Objects.requireNonNull;

/**
 * OCR by a vision language model on a remote backend, asked to transcribe the image. Guarantees:
 * an image is checked by its header (format, pixel count) before it is sent; no call outlives the
 * job's deadline or the configured timeout; the models advertised are those the last health probe
 * found. The answer has text and lines but neither confidence nor positions, which a language
 * model does not give.
 */
final class VisionLlmProvider implements CapabilityProvider {

    private final VisionLlmSettings settings;
    private final BackendClient client;
    private volatile BackendProbe lastProbe = BackendProbe.notYet();

    VisionLlmProvider(VisionLlmSettings settings, BackendClient client) {
        this.settings = requireNonNull(settings, "settings is null");
        this.client = requireNonNull(client, "client is null");
    }

    @Override
    public ProviderDescription describe() {
        BackendProbe probe = lastProbe;
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("api", settings.api().name());
        extra.put("base-url", settings.baseUrl().toString());
        extra.put("default-model", settings.model());
        extra.put("max-pixels", settings.limits().maxPixels());
        extra.put("backend", probe.detail());
        return ProviderDescription.builder()
                .threading(ProviderDescription.Threading.VIRTUAL) // it only waits for the backend, on a socket
                .models(probe.models().isEmpty() ? List.of(settings.model()) : probe.models())
                .accepts(Arrays.stream(ImageFormat.values()).filter(settings.api().formats()::contains)
                        .map(ImageFormat::mediaType).toList())
                .produces(List.of(Payload.JSON))
                .maxInputBytes(settings.limits().maxBytes())
                .concurrency(settings.concurrency())
                .extra(extra)
                .build();
    }

    @Override
    public Health health() {
        BackendProbe probe = probe();
        lastProbe = probe;
        return probe.usable() ? Health.ok(probe.detail()) : Health.down(probe.detail());
    }

    private BackendProbe probe() {
        var endpoint = settings.api().modelsEndpoint(settings.baseUrl());
        try {
            List<String> models = settings.api().models(client.get(endpoint, settings.probeTimeout()));
            if (!settings.api().serves(models, settings.model())) {
                return new BackendProbe(false, models, "the " + settings.api().name() + " backend at " + settings.baseUrl()
                        + " does not serve the configured model '" + settings.model() + "'; it serves " + models, Instant.now());
            }
            return new BackendProbe(true, models, settings.api().name() + " backend at " + settings.baseUrl()
                    + " serves " + models.size() + " model(s), using '" + settings.model() + "'", Instant.now());
        } catch (CapabilityException failed) {
            return new BackendProbe(false, List.of(), failed.getMessage(), Instant.now());
        } catch (UnexpectedAnswerException unexpected) {
            return new BackendProbe(false, List.of(), "the backend at " + endpoint + " answered unexpectedly: "
                    + unexpected.getMessage(), Instant.now());
        }
    }

    @Override
    public Result handle(Job job) throws CapabilityException {
        if (job.abandoned()) {
            throw CapabilityException.timeout("the job was abandoned before it was sent to the backend");
        }
        OcrParameters parameters = OcrParameters.from(job); // psm is validated but means nothing to a language model
        ImageHeader header = settings.limits().check(job.input());
        if (!settings.api().formats().contains(header.format())) {
            throw CapabilityException.unprocessable("the " + settings.api().name() + " API takes "
                    + settings.api().formats().stream().map(Enum::name).sorted().toList() + " images, not "
                    + header.format() + "; convert the image or use the tesseract provider");
        }
        String model = job.parameter("model").orElse(settings.model());
        List<String> served = lastProbe.models();
        if (!served.isEmpty() && !settings.api().serves(served, model)) {
            throw CapabilityException.unprocessable("model '" + model + "' is not served by the backend; it serves " + served);
        }
        String prompt = parameters.language()
                .map(language -> settings.prompt() + " The text is in the language with code '" + language + "'.")
                .orElse(settings.prompt());

        Instant configuredLimit = Instant.now().plus(settings.timeout());
        boolean deadlineIsJobs = job.deadline().isBefore(configuredLimit);
        Map<String, Object> answer = client.post(settings.api().recogniseEndpoint(settings.baseUrl()),
                settings.api().recogniseRequest(model, prompt, job.input().bytes(), header.format()),
                deadlineIsJobs ? job.deadline() : configuredLimit, deadlineIsJobs, job.cancellation());
        String text;
        try {
            text = Transcript.clean(settings.api().text(answer));
        } catch (UnexpectedAnswerException unexpected) {
            throw CapabilityException.unavailable("the backend answered unexpectedly: " + unexpected.getMessage());
        }
        List<TextSpan> lines = text.lines().filter(line -> !line.isBlank()).map(TextSpan::textOnly).toList();
        return new RecognisedText(text, OptionalDouble.empty(), lines, List.of(), VisionLlmFactory.ID,
                // vision LLMs asked for a transcript answer in Markdown-like text already
                parameters.language(), Optional.of(model), text, Optional.empty()).toResult();
    }

    @Override
    public void close() {
        client.close();
    }
}
