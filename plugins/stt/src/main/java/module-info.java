/**
 * Speech-to-text providers: {@code pocketsphinx} (the node's CMU pocketsphinx library, in-process
 * through the FFM API), {@code sphinx4} (pure Java, model inside its jar) and {@code openai-whisper}
 * (any OpenAI-compatible {@code POST /v1/audio/transcriptions} server).
 */
module capfabric.plugin.stt {
    requires capfabric.spi;
    requires java.logging;
    requires java.net.http;
    requires sphinx4.core;
    // no packages, only the en-us model: required so that the plugin's layer always holds it
    requires sphinx4.data;

    provides dev.capfabric.spi.ProviderFactory with
            dev.capfabric.plugin.stt.pocketsphinx.PocketsphinxFactory,
            dev.capfabric.plugin.stt.sphinx4.Sphinx4Factory,
            dev.capfabric.plugin.stt.whisper.OpenAiWhisperFactory;
}
