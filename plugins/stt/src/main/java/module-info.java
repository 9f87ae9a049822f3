module capfabric.plugin.stt {
    requires capfabric.spi;
}
