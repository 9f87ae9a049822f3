package dev.capfabric.plugin.stt.whisper;

import dev.capfabric.plugin.stt.UnusableException;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Where and how to reach an OpenAI-compatible transcription server.
 *
 * @param baseUrl        the configured base URL, with or without the trailing {@code /v1}
 *                       ({@code http://gpu1:8080} and {@code https://api.openai.com/v1} both work)
 * @param apiKey         sent as {@code Authorization: Bearer}, when present
 * @param model          the model asked for when a job names none
 * @param requestTimeout the longest a transcription may take, whatever the job's deadline
 * @param probeTimeout   the longest a health probe may take
 */
record WhisperBackend(URI baseUrl, Optional<String> apiKey, String model, Duration requestTimeout,
                      Duration probeTimeout) {

    WhisperBackend {
        requireNonNull(baseUrl, "baseUrl is null");
        requireNonNull(apiKey, "apiKey is null");
        requireNonNull(model, "model is null");
        requireNonNull(requestTimeout, "requestTimeout is null");
        requireNonNull(probeTimeout, "probeTimeout is null");
    }

    /**
     * Checks a configured base URL.
     *
     * @throws UnusableException when it is not an absolute http(s) URL
     */
    static URI parseBaseUrl(String value) throws UnusableException {
        try {
            URI uri = new URI(value.strip());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
                    || uri.getQuery() != null || uri.getFragment() != null) {
                throw new UnusableException("base-url '" + value + "' is not an http(s) URL such as http://host:8080");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new UnusableException("base-url '" + value + "' is not a URL: " + e.getMessage());
        }
    }

    URI transcriptions() {
        return endpoint("audio/transcriptions");
    }

    URI models() {
        return endpoint("models");
    }

    private URI endpoint(String path) {
        String base = baseUrl.toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        String versioned = base.endsWith("/v1") ? base : base + "/v1";
        return URI.create(versioned + "/" + path);
    }
}
