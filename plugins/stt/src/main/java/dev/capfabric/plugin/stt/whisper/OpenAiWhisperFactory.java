package dev.capfabric.plugin.stt.whisper;

import dev.capfabric.plugin.stt.ProviderSettings;
import dev.capfabric.plugin.stt.SupportedLanguages;
import dev.capfabric.plugin.stt.UnusableException;
import dev.capfabric.plugin.stt.audio.Resampler;
import dev.capfabric.plugin.stt.audio.SpeechAudioReader;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.ProviderContext;
import dev.capfabric.spi.ProviderFactory;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code openai-whisper} stt provider: a remote OpenAI-compatible transcription server.
 *
 * <p>Settings: {@code base-url} (required; {@code http://host:port} or {@code .../v1}),
 * {@code api-key}, {@code model} (default {@code whisper-1}), {@code timeout-ms} (longest
 * transcription, default 120000), {@code probe-timeout-ms} (default 5000), {@code languages}
 * (comma-separated tags to offer; default: any, the backend decides), {@code concurrency}
 * (default 4), {@code max-input-bytes}, {@code max-audio-seconds} (default 600: 16 kHz mono stays
 * under OpenAI's 25 MB upload limit). Unusable, with the reason, when no base URL is configured;
 * whether the backend answers is {@code health()}'s business.
 */
public final class OpenAiWhisperFactory implements ProviderFactory {

    static final String ID = "openai-whisper";
    /** Whisper models consume 16 kHz mono; converting here keeps uploads small. */
    static final int SAMPLE_RATE = 16_000;

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Capability capability() {
        return Capability.STT;
    }

    @Override
    public Creation create(ProviderContext context) {
        ProviderSettings settings = new ProviderSettings(context);
        try {
            String baseUrl = settings.text("base-url").orElseThrow(() -> new UnusableException(
                    "no base-url configured: set it to an OpenAI-compatible transcription server"
                            + " (whisper.cpp server, faster-whisper, LocalAI, OpenAI)"));
            WhisperBackend backend = new WhisperBackend(WhisperBackend.parseBaseUrl(baseUrl),
                    settings.text("api-key"),
                    settings.text("model", "whisper-1"),
                    Duration.ofMillis(settings.number("timeout-ms", 120_000, 1, 3_600_000)),
                    Duration.ofMillis(settings.number("probe-timeout-ms", 5_000, 1, 600_000)));
            List<String> languages = languages(settings.text("languages", ""));
            SpeechAudioReader reader = new SpeechAudioReader(new Resampler(), SAMPLE_RATE,
                    settings.maxAudioSeconds(600));
            return Creation.ready(new OpenAiWhisperProvider(ID, backend, reader, languages,
                    settings.maxInputBytes(64L << 20), settings.concurrency(4)));
        } catch (UnusableException e) {
            return Creation.unusable(e.getMessage());
        }
    }

    private static List<String> languages(String configured) throws UnusableException {
        List<String> tags = Arrays.stream(configured.split(",")).map(String::strip).filter(tag -> !tag.isEmpty()).toList();
        for (String tag : tags) {
            if (!SupportedLanguages.isTag(tag)) {
                throw new UnusableException("setting languages: '" + tag + "' is not a language tag");
            }
        }
        return tags;
    }
}
