/**
 * Text-to-speech providers for capfabric: {@code freetts} (FreeTTS in pure Java, in process),
 * {@code flite} and {@code espeak-ng} (the system engines, through their command lines) and
 * {@code openai-speech} (any server speaking OpenAI's {@code POST /v1/audio/speech}).
 */
module capfabric.plugin.tts {
    requires capfabric.spi;
    requires java.net.http;
    requires com.fasterxml.jackson.jr.ob;
    requires freetts;
    // FreeTTS's audio and document interfaces use these; optional so that the other providers still
    // load in a runtime without them, where freetts reports itself unusable instead
    requires static java.desktop;
    requires static java.xml;

    provides dev.capfabric.spi.ProviderFactory with
            dev.capfabric.plugin.tts.freetts.FreeTtsFactory,
            dev.capfabric.plugin.tts.engine.FliteFactory,
            dev.capfabric.plugin.tts.engine.EspeakNgFactory,
            dev.capfabric.plugin.tts.openai.OpenAiSpeechFactory;
}
