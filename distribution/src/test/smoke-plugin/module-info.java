/** A plugin used only by the distribution's smoke test: it is dropped into a running node's plugins folder. */
module capfabric.smoke {
    requires capfabric.spi;

    provides dev.capfabric.spi.ProviderFactory with dev.capfabric.smoke.EchoFactory;
}
