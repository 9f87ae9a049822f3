/**
 * The capfabric plugin SPI: everything a capability-provider plugin compiles against.
 *
 * <p>A plugin declares {@code provides dev.capfabric.spi.ProviderFactory with ...} in its
 * {@code module-info.java}. The kernel loads each plugin into its own module layer whose parent
 * holds this module, so this module is the one contract shared by the kernel and every plugin.
 * It depends on {@code java.base} only and changes only by addition.
 */
module capfabric.spi {
    exports dev.capfabric.spi;
    exports dev.capfabric.spi.support;

    uses dev.capfabric.spi.ProviderFactory;
}
