module capfabric.plugin.tts {
    requires capfabric.spi;
}
