package dev.capfabric.plugin.stt;

import dev.capfabric.spi.Result;

import java.util.LinkedHashMap;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * What every stt provider of this plugin answers, as the JSON object
 * {@code {"text", "language", "duration_s", "provider"}}.
 *
 * @param text            the recognised words, empty when nothing was recognised
 * @param language        the language recognised, a BCP 47 tag ({@code und} when the backend did not say)
 * @param durationSeconds length of the input audio
 * @param provider        the provider id that recognised it
 */
public record Transcript(String text, String language, double durationSeconds, String provider) {

    public Transcript {
        requireNonNull(text, "text is null");
        requireNonNull(language, "language is null");
        requireNonNull(provider, "provider is null");
    }

    /** The result the kernel answers with: these fields as a JSON object. */
    public Result toResult() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("text", text);
        fields.put("language", language);
        fields.put("duration_s", Math.round(durationSeconds * 1000) / 1000.0);
        fields.put("provider", provider);
        return Result.json(fields);
    }
}
