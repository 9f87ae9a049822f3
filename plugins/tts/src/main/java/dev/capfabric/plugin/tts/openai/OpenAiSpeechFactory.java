package dev.capfabric.plugin.tts.openai;

import dev.capfabric.plugin.tts.speech.Settings;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.ProviderContext;
import dev.capfabric.spi.ProviderFactory;

/**
 * The {@code openai-speech} provider: any server speaking OpenAI's {@code POST /v1/audio/speech}
 * (Kokoro-FastAPI, LocalAI, OpenAI itself). Ready whenever {@code base-url} is configured; whether the
 * server answers is what its health says. Settings: see {@link SpeechBackendSettings}.
 */
public final class OpenAiSpeechFactory implements ProviderFactory {

    @Override
    public String id() {
        return OpenAiSpeechProvider.ID;
    }

    @Override
    public Capability capability() {
        return Capability.TTS;
    }

    @Override
    public Creation create(ProviderContext context) {
        SpeechBackendSettings settings;
        try {
            settings = SpeechBackendSettings.from(context);
        } catch (IllegalArgumentException e) {
            return Creation.unusable(Settings.invalid(id(), e));
        }
        return Creation.ready(new OpenAiSpeechProvider(settings, new SpeechBackend(settings)));
    }
}
