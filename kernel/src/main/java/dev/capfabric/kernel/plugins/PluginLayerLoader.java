package dev.capfabric.kernel.plugins;

import dev.capfabric.spi.ProviderFactory;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.Configuration;
import java.lang.module.FindException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.module.ResolutionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.jar.JarFile;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * Loads one plugin into a module layer of its own, whose parent is the layer holding
 * {@code capfabric.spi}, and finds its {@link ProviderFactory} services.
 *
 * <p>The jars are copied to a working folder first, so the original can be replaced or deleted while
 * the layer is in use. All modules of one plugin share one class loader. Any failure (a corrupt jar, a
 * missing dependency, a factory that throws) is captured in the returned {@link LoadedPlugin}; this
 * class never throws for a bad plugin.
 */
final class PluginLayerLoader {

    private static final System.Logger LOG = System.getLogger(PluginLayerLoader.class.getName());

    private final Path copiesDir;
    private final ModuleLayer parent;
    private final AtomicLong generation = new AtomicLong();

    PluginLayerLoader(Path copiesDir) {
        this.copiesDir = requireNonNull(copiesDir, "copiesDir is null");
        this.parent = requireNonNull(ProviderFactory.class.getModule().getLayer(),
                "capfabric.spi is not in a named module layer: run the kernel on the module path");
    }

    LoadedPlugin load(PluginEntry entry) {
        LOG.log(System.Logger.Level.INFO, "-- Loading plugin {0} --", entry.name());
        Path copy = copiesDir.resolve(entry.name() + "-" + generation.incrementAndGet());
        List<Path> jars;
        List<PluginJar> jarInfo;
        try {
            jars = copy(entry, copy);
            jarInfo = describe(entry.name(), jars);
        } catch (IOException e) {
            return failed(entry, copy, List.of(), "cannot copy plugin: " + e.getMessage());
        }
        if (jars.isEmpty()) {
            return failed(entry, copy, List.of(), "no jar found");
        }
        ModuleLayer layer;
        List<String> moduleNames;
        try {
            ModuleFinder finder = ShadowingFinder.of(ModuleFinder.of(jars.toArray(Path[]::new)), parent);
            Set<String> roots = finder.findAll().stream().map(ref -> ref.descriptor().name()).collect(Collectors.toSet());
            Configuration configuration = parent.configuration().resolveAndBind(finder, ModuleFinder.of(), roots);
            ModuleLayer.Controller controller = ModuleLayer.defineModulesWithOneLoader(configuration, List.of(parent),
                    ProviderFactory.class.getClassLoader());
            layer = controller.layer();
            // engines reach native code (FFM, JNI through JNA or JavaCPP); the operator chose to install them
            layer.modules().forEach(controller::enableNativeAccess);
            ShadowingFinder.addPluginReads(finder, controller);
            moduleNames = layer.modules().stream().map(Module::getName).sorted().toList();
        } catch (FindException | ResolutionException | LayerInstantiationException | SecurityException e) {
            return failed(entry, copy, jarInfo, describe(e));
        } catch (RuntimeException e) {
            return failed(entry, copy, jarInfo, "cannot define module layer: " + describe(e));
        }

        List<ProviderFactory> factories = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        try {
            for (ServiceLoader.Provider<ProviderFactory> provider
                    : ServiceLoader.load(layer, ProviderFactory.class).stream().toList()) {
                if (provider.type().getModule().getLayer() != layer) {
                    continue; // ServiceLoader also searches parent layers
                }
                try {
                    factories.add(provider.get());
                } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                    problems.add("factory " + provider.type().getName() + " failed to instantiate: " + describe(rootCause(e)));
                }
            }
        } catch (ServiceConfigurationError | LinkageError e) {
            problems.add("cannot list factories: " + describe(rootCause(e)));
        }
        if (factories.isEmpty() && problems.isEmpty()) {
            return new LoadedPlugin(entry, copy, Optional.of(layer), moduleNames, List.of(), List.of(), jarInfo,
                    Optional.of("no " + ProviderFactory.class.getName() + " found: does module-info.java say 'provides "
                            + ProviderFactory.class.getName() + " with ...'?"));
        }
        for (String problem : problems) {
            LOG.log(System.Logger.Level.WARNING, "plugin {0}: {1}", entry.name(), problem);
        }
        return new LoadedPlugin(entry, copy, Optional.of(layer), moduleNames, factories, problems, jarInfo, Optional.empty());
    }

    private static LoadedPlugin failed(PluginEntry entry, Path copy, List<PluginJar> jars, String error) {
        LOG.log(System.Logger.Level.WARNING, "plugin {0} not loaded: {1}", entry.name(), error);
        return new LoadedPlugin(entry, copy, Optional.empty(), List.of(), List.of(), List.of(), jars, Optional.of(error));
    }

    private static List<Path> copy(PluginEntry entry, Path copy) throws IOException {
        Files.createDirectories(copy);
        List<Path> copies = new ArrayList<>();
        for (Path jar : entry.jars()) {
            Path target = copy.resolve(jar.getFileName().toString());
            Files.copy(jar, target);
            copies.add(target);
        }
        return copies;
    }

    private static List<PluginJar> describe(String plugin, List<Path> jars) throws IOException {
        List<PluginJar> described = new ArrayList<>();
        for (Path jar : jars) {
            String module = null;
            String version = null;
            try {
                Set<ModuleReference> refs = ModuleFinder.of(jar).findAll();
                for (ModuleReference ref : refs) {
                    ModuleDescriptor descriptor = ref.descriptor();
                    module = descriptor.name();
                    version = descriptor.rawVersion().orElse(null);
                }
                if (version == null) {
                    try (JarFile file = new JarFile(jar.toFile())) {
                        version = file.getManifest() == null ? null
                                : file.getManifest().getMainAttributes().getValue("Implementation-Version");
                    }
                }
            } catch (FindException | IOException e) {
                // a corrupt jar is still listed, with its checksum, so the operator can compare it
            }
            described.add(new PluginJar(plugin, jar.getFileName().toString(), module, version, Files.size(jar), sha256(jar)));
        }
        return described;
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            int read;
            while ((read = in.read(buffer)) > 0) {
                digest.update(buffer, 0, read);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    private static Throwable rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
