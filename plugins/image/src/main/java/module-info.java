module capfabric.plugin.image {
    requires capfabric.spi;
}
