package dev.capfabric.spi;

/**
 * The entry point of a plugin, found by {@link java.util.ServiceLoader} in the plugin's module layer.
 *
 * <p>A plugin's {@code module-info.java} says
 * {@code provides dev.capfabric.spi.ProviderFactory with com.example.MyFactory;}. The kernel
 * instantiates each factory once per plugin load, asks for {@link #id()} and {@link #capability()},
 * and calls {@link #create} once, unless the provider is disabled by configuration. A provider id is
 * unique on a node: when two plugins offer the same id, the one configured with
 * {@code providers.<id>.plugin} wins, else the higher {@link #order()}, else the plugin whose name
 * sorts first; the others are reported, not loaded.
 */
public interface ProviderFactory {

    /** The provider id: one lowercase token {@code [a-z][a-z0-9-]{0,31}}, such as {@code freetts}. */
    String id();

    /** The capability the provider serves. */
    Capability capability();

    /** Precedence when two plugins offer the same provider id; higher wins. */
    default int order() {
        return 0;
    }

    /**
     * Creates the provider, or says why it cannot run on this node. Called once per plugin load.
     * May take time (loading a model); must not throw for an expected absence such as a missing
     * engine, but return {@link Creation#unusable(String)} instead.
     */
    Creation create(ProviderContext context);
}
