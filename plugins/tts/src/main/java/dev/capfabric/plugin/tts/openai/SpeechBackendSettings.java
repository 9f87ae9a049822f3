package dev.capfabric.plugin.tts.openai;

import dev.capfabric.plugin.tts.speech.Settings;
import dev.capfabric.spi.ProviderContext;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The {@code openai-speech} provider's configuration, read from {@code capfabric.providers.openai-speech.*}:
 *
 * <ul>
 *   <li>{@code base-url} (required): the server's root, such as {@code http://gpu-1:8880}; a trailing
 *       {@code /v1} is tolerated, so OpenAI-style base URLs work as written</li>
 *   <li>{@code api-key}: sent as {@code Authorization: Bearer ...} when set</li>
 *   <li>{@code model} ({@code tts-1}): the model used when a job names none</li>
 *   <li>{@code voice}: the voice used when a job names none; else {@code alloy}, or the backend's first voice
 *       when it lists voices and {@code alloy} is not among them</li>
 *   <li>{@code timeout-ms} (120000): the most one job may spend on the backend, below the job's own deadline</li>
 *   <li>{@code probe-timeout-ms} (5000): the most a health probe, or establishing a connection, may take</li>
 *   <li>{@code max-response-bytes} (134217728): the largest backend answer read</li>
 *   <li>{@code concurrency} (4): jobs sent to the backend at once</li>
 *   <li>{@code max-text-chars} (5000): the longest text one job may carry</li>
 * </ul>
 *
 * @param baseUrl          the server root, without a trailing slash or {@code /v1}
 * @param apiKey           the bearer token, if any
 * @param defaultModel     the model for jobs that name none
 * @param defaultVoice     the configured voice for jobs that name none, if any
 * @param jobTimeout       bound on one job's backend call
 * @param probeTimeout     bound on one health probe and on connecting
 * @param maxResponseBytes bound on one backend answer
 * @param concurrency      jobs at once
 * @param maxTextChars     bound on one job's text
 */
record SpeechBackendSettings(URI baseUrl, Optional<String> apiKey, String defaultModel, Optional<String> defaultVoice,
                             Duration jobTimeout, Duration probeTimeout, long maxResponseBytes, int concurrency,
                             int maxTextChars) {

    SpeechBackendSettings {
        requireNonNull(baseUrl, "baseUrl is null");
        requireNonNull(apiKey, "apiKey is null");
        requireNonNull(defaultModel, "defaultModel is null");
        requireNonNull(defaultVoice, "defaultVoice is null");
        requireNonNull(jobTimeout, "jobTimeout is null");
        requireNonNull(probeTimeout, "probeTimeout is null");
    }

    /**
     * Reads the settings.
     *
     * @throws IllegalArgumentException naming the key whose value is missing or invalid
     */
    static SpeechBackendSettings from(ProviderContext context) {
        Settings settings = new Settings(context);
        String baseUrl = settings.text("base-url").orElseThrow(() -> new IllegalArgumentException(
                "base-url is not set: point it at an OpenAI-compatible speech server (Kokoro-FastAPI, LocalAI, OpenAI)"));
        return new SpeechBackendSettings(
                root(baseUrl),
                settings.text("api-key"),
                settings.text("model").orElse("tts-1"),
                settings.text("voice"),
                settings.millis("timeout-ms", Duration.ofMinutes(2)),
                settings.millis("probe-timeout-ms", Duration.ofSeconds(5)),
                settings.positiveLong("max-response-bytes", 128L << 20, Integer.MAX_VALUE - 64),
                settings.concurrency(4),
                settings.maxTextChars());
    }

    /** The URI of an API path such as {@code /v1/models}. */
    URI endpoint(String path) {
        return URI.create(baseUrl + path);
    }

    private static URI root(String baseUrl) {
        String trimmed = baseUrl.strip().replaceAll("/+$", "");
        if (trimmed.endsWith("/v1")) {
            trimmed = trimmed.substring(0, trimmed.length() - "/v1".length());
        }
        URI uri;
        try {
            uri = new URI(trimmed);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("base-url is not a valid URL: " + e.getReason() + " at index " + e.getIndex());
        }
        if (!("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
                || uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            // the value is not echoed: a URL may carry credentials, and this message is shown on /caps
            throw new IllegalArgumentException(
                    "base-url must be an http or https URL with a host and no query, such as http://gpu-1:8880");
        }
        return uri;
    }

    @Override
    public String toString() {
        // never show the api key
        return "SpeechBackendSettings[" + baseUrl + ", model " + defaultModel + ", key " + (apiKey.isPresent() ? "set" : "none") + "]";
    }
}
