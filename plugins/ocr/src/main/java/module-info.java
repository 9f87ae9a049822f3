module capfabric.plugin.ocr {
    requires capfabric.spi;
}
