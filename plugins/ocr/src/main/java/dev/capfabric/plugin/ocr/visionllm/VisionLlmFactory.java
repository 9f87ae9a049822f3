package dev.capfabric.plugin.ocr.visionllm;

import dev.capfabric.plugin.ocr.config.ConfigReader;
import dev.capfabric.plugin.ocr.config.InvalidConfigException;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.ProviderContext;
import dev.capfabric.spi.ProviderFactory;

/**
 * Makes the {@code vision-llm} OCR provider: a vision language model behind Ollama's API or an
 * OpenAI-compatible chat API, prompted to transcribe the image. Ready whenever a backend and a
 * model are configured; whether the backend answers is the business of {@code health()}, which
 * probes it. Unusable, with the reason, when {@code base-url} or {@code model} is missing or a
 * setting is malformed.
 */
public final class VisionLlmFactory implements ProviderFactory {

    /** The provider id. */
    public static final String ID = "vision-llm";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Capability capability() {
        return Capability.OCR;
    }

    @Override
    public Creation create(ProviderContext context) {
        VisionLlmSettings settings;
        try {
            settings = VisionLlmSettings.from(new ConfigReader(context));
        } catch (InvalidConfigException invalid) {
            return Creation.unusable(invalid.getMessage());
        }
        context.logger().log(System.Logger.Level.INFO, "vision-llm: {0} API at {1}, model {2}",
                settings.api().name(), settings.baseUrl(), settings.model());
        return Creation.ready(new VisionLlmProvider(settings,
                new BackendClient(settings.api(), settings.apiKey(), settings.probeTimeout())));
    }
}
