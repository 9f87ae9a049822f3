package dev.capfabric.plugin.ocr.visionllm;

import dev.capfabric.plugin.ocr.config.ConfigReader;
import dev.capfabric.plugin.ocr.config.InvalidConfigException;
import dev.capfabric.plugin.ocr.image.ImageLimits;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The {@code vision-llm} provider's configuration.
 *
 * <table>
 * <caption>keys under {@code providers.vision-llm}</caption>
 * <tr><td>{@code api}</td><td>{@code ollama} (default) or {@code openai}</td></tr>
 * <tr><td>{@code base-url}</td><td>the server's root, e.g. {@code http://gpu-box:11434}; for
 * {@code openai} a trailing {@code /v1} is accepted too. Required.</td></tr>
 * <tr><td>{@code model}</td><td>the vision model to ask, e.g. {@code qwen2.5vl:7b}. Required.</td></tr>
 * <tr><td>{@code api-key}</td><td>sent as {@code Authorization: Bearer}</td></tr>
 * <tr><td>{@code timeout-ms}</td><td>longest wait for one transcription (default 120000), further
 * bounded by each job's deadline</td></tr>
 * <tr><td>{@code probe-timeout-ms}</td><td>longest wait for a health probe (default 5000)</td></tr>
 * <tr><td>{@code prompt}</td><td>replaces the built-in OCR instruction</td></tr>
 * <tr><td>{@code concurrency}</td><td>jobs sent to the backend at once (default 2)</td></tr>
 * <tr><td>{@code max-input-bytes}, {@code max-pixels}</td><td>image limits</td></tr>
 * </table>
 */
record VisionLlmSettings(VisionApi api, URI baseUrl, String model, Optional<String> apiKey, Duration timeout,
                         Duration probeTimeout, String prompt, int concurrency, ImageLimits limits) {

    static final String DEFAULT_PROMPT = "Transcribe all the text in this image exactly as written, keeping its "
            + "line breaks. Answer with the transcribed text only: no description, no commentary, no "
            + "formatting. If the image holds no text, answer with nothing.";

    VisionLlmSettings {
        requireNonNull(api, "api is null");
        requireNonNull(baseUrl, "baseUrl is null");
        requireNonNull(model, "model is null");
        requireNonNull(apiKey, "apiKey is null");
        requireNonNull(timeout, "timeout is null");
        requireNonNull(probeTimeout, "probeTimeout is null");
        requireNonNull(prompt, "prompt is null");
        requireNonNull(limits, "limits is null");
    }

    /**
     * @throws InvalidConfigException naming the first missing or unusable setting
     */
    static VisionLlmSettings from(ConfigReader config) {
        String apiName = config.string("api", OllamaApi.NAME).toLowerCase(Locale.ROOT);
        VisionApi api = VisionApi.named(apiName).orElseThrow(() -> new InvalidConfigException(
                "api must be " + OllamaApi.NAME + " or " + OpenAiApi.NAME + ", not '" + apiName + "'"));
        String baseUrl = config.string("base-url").orElseThrow(() -> new InvalidConfigException(
                "no base-url configured: set providers.vision-llm.base-url to the " + api.name()
                        + " server, e.g. " + (api instanceof OllamaApi ? "http://localhost:11434" : "http://localhost:8080")));
        String model = config.string("model").orElseThrow(() -> new InvalidConfigException(
                "no model configured: set providers.vision-llm.model to a vision model the backend serves"));
        return new VisionLlmSettings(api, root(baseUrl, api), model, config.string("api-key"),
                config.millis("timeout-ms", Duration.ofMinutes(2)),
                config.millis("probe-timeout-ms", Duration.ofSeconds(5)),
                config.string("prompt", DEFAULT_PROMPT),
                config.positiveInt("concurrency", 2),
                config.imageLimits());
    }

    /** The base URL as a folder URI ending in {@code /}, against which API paths resolve. */
    private static URI root(String baseUrl, VisionApi api) {
        URI uri;
        try {
            uri = new URI(baseUrl);
        } catch (URISyntaxException malformed) {
            throw new InvalidConfigException("base-url '" + baseUrl + "' is not a URL: " + malformed.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new InvalidConfigException("base-url '" + baseUrl + "' must be an http or https URL with a host");
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (api instanceof OpenAiApi && path.endsWith("/v1")) {
            path = path.substring(0, path.length() - "/v1".length()); // OpenAI clients conventionally include it
        }
        return URI.create(scheme + "://" + uri.getRawAuthority() + path + "/");
    }
}
