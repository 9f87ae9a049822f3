/**
 * Image generation providers that adapt the HTTP servers fleets run for it: any OpenAI-compatible
 * images API ({@code openai-images}) and AUTOMATIC1111 / Forge / SD.Next ({@code a1111}). No engine
 * runs in-process: a provider is usable only while its configured backend answers.
 */
module capfabric.plugin.image {
    requires capfabric.spi;
    requires java.net.http;
    requires com.fasterxml.jackson.databind;

    provides dev.capfabric.spi.ProviderFactory
            with dev.capfabric.plugin.image.OpenAiImagesFactory, dev.capfabric.plugin.image.A1111Factory;
}
