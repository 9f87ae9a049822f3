package dev.capfabric.plugin.image;

import dev.capfabric.spi.ProviderContext;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A remote image provider's configuration, read from {@code capfabric.providers.<id>.*}:
 *
 * <ul>
 *   <li>{@code base-url} (required): the server's root, such as {@code http://gpu-1:7860}; a trailing
 *       {@code /v1} is tolerated, so OpenAI-style base URLs work as written</li>
 *   <li>{@code model}: the model used when a job names none; the provider is down while the backend
 *       does not offer it</li>
 *   <li>{@code timeout-ms} (120000): the most one job may spend on the backend, below the job's own deadline</li>
 *   <li>{@code probe-timeout-ms} (5000): the most a health probe, or establishing a connection, may take</li>
 *   <li>{@code max-size} (2048x2048), {@code max-steps} (150), {@code max-n} (4),
 *       {@code max-prompt-chars} (4000): the largest request accepted</li>
 *   <li>{@code max-response-bytes} (67108864): the largest backend answer read</li>
 *   <li>{@code concurrency} (1): jobs sent to the backend at once; most servers run one generation at a time</li>
 * </ul>
 *
 * @param baseUrl          the server root, without a trailing slash
 * @param defaultModel     the model for jobs that name none
 * @param jobTimeout       bound on one job's backend calls
 * @param probeTimeout     bound on one health probe and on connecting
 * @param maxResponseBytes bound on one backend answer
 * @param concurrency      jobs at once
 * @param limits           bounds on requests
 */
record BackendSettings(URI baseUrl, Optional<String> defaultModel, Duration jobTimeout, Duration probeTimeout,
                       long maxResponseBytes, int concurrency, Limits limits) {

    private static final ImageSize MIN_SIZE = new ImageSize(64, 64);

    BackendSettings {
        requireNonNull(baseUrl, "baseUrl is null");
        requireNonNull(defaultModel, "defaultModel is null");
        requireNonNull(jobTimeout, "jobTimeout is null");
        requireNonNull(probeTimeout, "probeTimeout is null");
        requireNonNull(limits, "limits is null");
    }

    /**
     * Reads the settings; {@code base-url} must be present.
     *
     * @param sizeMultiple what width and height must be multiples of for this backend
     * @throws IllegalArgumentException naming the key whose value is invalid
     */
    static BackendSettings from(ProviderContext context, int sizeMultiple) {
        String baseUrl = context.config("base-url").orElseThrow(() -> new IllegalArgumentException("base-url is not set"));
        ImageSize maxSize = ImageSize.parse(context.config("max-size", "2048x2048")).orElseThrow(
                () -> new IllegalArgumentException("max-size must be WIDTHxHEIGHT, such as 2048x2048; got '"
                        + context.config("max-size", "") + "'"));
        Limits limits = new Limits(
                positive(context, "max-prompt-chars", 4000),
                MIN_SIZE, maxSize, sizeMultiple,
                positive(context, "max-steps", 150),
                positive(context, "max-n", 4));
        return new BackendSettings(
                root(baseUrl),
                context.config("model"),
                Duration.ofMillis(positive(context, "timeout-ms", 120_000)),
                Duration.ofMillis(positive(context, "probe-timeout-ms", 5_000)),
                positive(context, "max-response-bytes", 64 << 20),
                positive(context, "concurrency", 1),
                limits);
    }

    private static URI root(String baseUrl) {
        String trimmed = baseUrl.replaceAll("/+$", "");
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
                    "base-url must be an http or https URL with a host and no query, such as http://gpu-1:7860");
        }
        return uri;
    }

    private static int positive(ProviderContext context, String key, int fallback) {
        String value = context.config(key, Integer.toString(fallback));
        try {
            int parsed = Integer.parseInt(value);
            if (parsed > 0) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + " must be a positive whole number; got '" + value + "'");
    }
}
