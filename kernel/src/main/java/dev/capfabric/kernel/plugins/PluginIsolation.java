package dev.capfabric.kernel.plugins;

import dev.capfabric.spi.ProviderFactory;

import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.lang.module.ResolvedModule;
import java.net.URI;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The rule that keeps plugins apart from the kernel: a plugin sees the SPI ({@code capfabric.spi})
 * and the JDK, nothing else of the kernel. Whatever else it needs it bundles, in its own version.
 *
 * <p>Checked on the plugin's resolved configuration, before its layer is defined: a plugin module that
 * reads any module of the kernel's layer other than the SPI and the JDK's is refused with a reason
 * naming that module. (Automatic modules, which would read everything, are given explicit
 * descriptors by {@link ShadowingFinder} first.) A plugin that carries the SPI itself, or puts classes
 * in one of the SPI's packages, is refused too: its factories would implement another
 * {@code ProviderFactory} than the kernel's, or split a package with it.
 */
final class PluginIsolation {

    static final String SPI = ProviderFactory.class.getModule().getName();
    private static final Set<String> SPI_PACKAGES = ProviderFactory.class.getModule().getPackages();
    private static final String FACTORY_CLASS = ProviderFactory.class.getName().replace('.', '/') + ".class";
    // the JDK's modules: those of the runtime image; the kernel's libraries are on the module path, not in it
    private static final ModuleFinder JDK = ModuleFinder.ofSystem();

    private PluginIsolation() {
    }

    /** Why the plugin's modules may not be loaded at all (the SPI bundled, or split); empty when they may. */
    static Optional<String> checkContents(Set<ModuleReference> modules) {
        for (ModuleReference module : sorted(modules)) {
            String name = module.descriptor().name();
            Set<String> split = new TreeSet<>(module.descriptor().packages());
            split.retainAll(SPI_PACKAGES);
            if (name.equals(SPI) || contains(module, FACTORY_CLASS)) {
                return Optional.of("bundles its own capfabric-spi (module " + name + " in " + where(module)
                        + "): the kernel provides the SPI; declare the dependency on capfabric-spi with scope 'provided' "
                        + "and leave its jar out of the plugin");
            }
            if (!split.isEmpty()) {
                return Optional.of("module " + name + " in " + where(module) + " has classes in package " + split.iterator().next()
                        + ", which belongs to the SPI (" + SPI + "): a package split between a plugin and the SPI cannot load; "
                        + "move those classes to a package of the plugin's own");
            }
        }
        return Optional.empty();
    }

    /** Why the resolved plugin reads something of the kernel beyond the SPI and the JDK; empty when it does not. */
    static Optional<String> checkReads(Configuration plugin) {
        List<ResolvedModule> modules = plugin.modules().stream().sorted(Comparator.comparing(ResolvedModule::name)).toList();
        for (ResolvedModule module : modules) {
            Set<String> kernel = new TreeSet<>();
            for (ResolvedModule read : module.reads()) {
                if (read.configuration() != plugin && !read.name().equals(SPI) && JDK.find(read.name()).isEmpty()) {
                    kernel.add(read.name());
                }
            }
            if (kernel.isEmpty()) {
                continue;
            }
            // the module it names in its requires first; the rest it reads through that one
            Set<String> named = new TreeSet<>();
            module.reference().descriptor().requires().forEach(r -> named.add(r.name()));
            named.retainAll(kernel);
            String first = named.isEmpty() ? kernel.iterator().next() : named.iterator().next();
            kernel.remove(first);
            return Optional.of("module " + module.name() + " reads " + first
                    + (kernel.isEmpty() ? "" : " (and through it " + String.join(", ", kernel) + ")")
                    + ", which the plugin does not bundle: a plugin sees only the SPI (" + SPI + ") and the JDK, not the kernel's "
                    + "libraries; bundle " + first + " (in the version the plugin was built with) beside the plugin's jar in a plugin folder");
        }
        return Optional.empty();
    }

    private static boolean contains(ModuleReference module, String resource) {
        try (ModuleReader reader = module.open()) {
            return reader.find(resource).isPresent();
        } catch (IOException e) {
            return false; // unreadable: resolution says why
        }
    }

    private static String where(ModuleReference module) {
        return module.location().map(URI::getPath).map(Path::of).map(p -> p.getFileName().toString()).orElse("the plugin");
    }

    private static List<ModuleReference> sorted(Set<ModuleReference> modules) {
        return modules.stream().sorted(Comparator.comparing(m -> m.descriptor().name())).toList();
    }
}
