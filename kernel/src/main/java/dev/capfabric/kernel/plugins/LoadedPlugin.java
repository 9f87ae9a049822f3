package dev.capfabric.kernel.plugins;

import dev.capfabric.spi.ProviderFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A plugin after loading: its module layer and the factories found in it, or why loading failed.
 *
 * @param entry     what was found in the plugins folder
 * @param copy      the working copy the layer was defined from
 * @param layer     the plugin's layer, empty when loading failed
 * @param modules   names of the modules in the layer
 * @param factories the factories the layer provides, in discovery order
 * @param problems  factories that could not be instantiated, as messages
 * @param jars      the jars, with versions and checksums
 * @param error     why the plugin as a whole failed, if it did
 */
record LoadedPlugin(PluginEntry entry,
                    Path copy,
                    Optional<ModuleLayer> layer,
                    List<String> modules,
                    List<ProviderFactory> factories,
                    List<String> problems,
                    List<PluginJar> jars,
                    Optional<String> error) {

    LoadedPlugin {
        requireNonNull(entry, "entry is null");
        requireNonNull(copy, "copy is null");
        requireNonNull(layer, "layer is null");
        modules = List.copyOf(modules);
        factories = List.copyOf(factories);
        problems = List.copyOf(problems);
        jars = List.copyOf(jars);
        requireNonNull(error, "error is null");
    }

    String name() {
        return entry.name();
    }

    PluginReport report() {
        String status = error.isPresent() ? "failed" : "loaded";
        String message = error.orElse(problems.isEmpty() ? null : String.join("; ", problems));
        return new PluginReport(name(), entry.path().getFileName().toString(), modules, status, message);
    }
}
