package dev.capfabric.kernel.openai;

import io.helidon.config.Config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Settings of the OpenAI-shaped front door, from {@code capfabric.openai}:
 * <ul>
 *   <li>{@code aliases.<id>.capability} (and optional {@code .provider}, {@code .model}): model names apps
 *   hard-code; added to (and overriding) the built-in ones ({@code whisper-1}, {@code tts-1},
 *   {@code dall-e-2} ...); {@code aliases.<id>.enabled: false} drops one;</li>
 *   <li>{@code voices.<openai voice>}: the fleet voice an OpenAI voice name ({@code alloy} ...) speaks with;</li>
 *   <li>{@code ffmpeg}: the ffmpeg command for audio decoding and encoding (default {@code ffmpeg} on the PATH);</li>
 *   <li>{@code image-url-ttl-s} (3600) and {@code image-store-max-bytes} (256 MiB): how long and how much
 *   of {@code response_format: url} images the node keeps;</li>
 *   <li>{@code public-url}: the base of those URLs when clients reach the node through a proxy
 *   (default: the request's own {@code Host}).</li>
 * </ul>
 *
 * @param aliases           model aliases, in the order they are listed
 * @param voices            OpenAI voice name to fleet voice
 * @param ffmpeg            the ffmpeg command
 * @param imageUrlTtl       how long an image URL answers
 * @param imageStoreMaxBytes the most image bytes kept for URLs; the oldest go first
 * @param publicUrl         the base URL clients use, if configured
 */
public record OpenAiSettings(List<ModelAlias> aliases, Map<String, String> voices, Path ffmpeg, Duration imageUrlTtl,
                             long imageStoreMaxBytes, Optional<String> publicUrl) {

    /** Model names of OpenAI's and Mistral's APIs, each standing for any node with the capability. */
    static final Map<String, String> DEFAULT_ALIASES = defaults();

    public OpenAiSettings {
        aliases = List.copyOf(aliases);
        voices = Map.copyOf(voices);
        requireNonNull(ffmpeg, "ffmpeg is null");
        requireNonNull(imageUrlTtl, "imageUrlTtl is null");
        requireNonNull(publicUrl, "publicUrl is null");
    }

    private static Map<String, String> defaults() {
        Map<String, String> aliases = new LinkedHashMap<>();
        for (String id : List.of("whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe")) {
            aliases.put(id, "stt");
        }
        for (String id : List.of("tts-1", "tts-1-hd", "gpt-4o-mini-tts")) {
            aliases.put(id, "tts");
        }
        for (String id : List.of("dall-e-2", "dall-e-3", "gpt-image-1")) {
            aliases.put(id, "image");
        }
        aliases.put("mistral-ocr-latest", "ocr");
        return aliases;
    }

    /** Reads the {@code capfabric.openai} section. */
    public static OpenAiSettings of(Config openai) {
        Map<String, ModelAlias> aliases = new LinkedHashMap<>();
        DEFAULT_ALIASES.forEach((id, capability) -> aliases.put(id, ModelAlias.of(id, capability)));
        Config configured = openai.get("aliases");
        for (Config alias : configured.asNodeList().orElse(List.of())) {
            String id = alias.name();
            if (!alias.get("enabled").asBoolean().orElse(true)) {
                aliases.remove(id);
                continue;
            }
            String capability = alias.get("capability").asString()
                    .orElseThrow(() -> new IllegalArgumentException("capfabric.openai.aliases." + id + ".capability is not set"));
            aliases.put(id, new ModelAlias(id, dev.capfabric.spi.Capability.of(capability),
                    alias.get("provider").asString().asOptional(), alias.get("model").asString().asOptional()));
        }
        Map<String, String> voices = new LinkedHashMap<>();
        for (Config voice : openai.get("voices").asNodeList().orElse(List.of())) {
            voice.asString().ifPresent(fleetVoice -> voices.put(voice.name(), fleetVoice));
        }
        return new OpenAiSettings(new ArrayList<>(aliases.values()), voices,
                Path.of(openai.get("ffmpeg").asString().orElse("ffmpeg")),
                Duration.ofSeconds(openai.get("image-url-ttl-s").asLong().orElse(3600L)),
                openai.get("image-store-max-bytes").asLong().orElse(256L << 20),
                openai.get("public-url").asString().asOptional().filter(url -> !url.isBlank()));
    }
}
