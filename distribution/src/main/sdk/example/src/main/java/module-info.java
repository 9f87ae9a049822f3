/** An example capfabric plugin: the one line of substance says which factory it provides. */
module com.example.shout {
    requires capfabric.spi;

    provides dev.capfabric.spi.ProviderFactory with com.example.shout.ShoutFactory;
}
