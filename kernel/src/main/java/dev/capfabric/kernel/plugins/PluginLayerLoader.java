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
import java.util.Map;
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
        Originals originals = new Originals(entry, copy, jars);
        ModuleLayer layer;
        List<String> moduleNames;
        try {
            ModuleFinder finder = ShadowingFinder.of(ModuleFinder.of(jars.toArray(Path[]::new)), parent);
            Optional<String> refused = PluginIsolation.checkContents(finder.findAll());
            if (refused.isPresent()) {
                return failed(entry, copy, jarInfo, originals.in(refused.get()));
            }
            Set<String> roots = finder.findAll().stream().map(ref -> ref.descriptor().name()).collect(Collectors.toSet());
            Configuration configuration = parent.configuration().resolveAndBind(finder, ModuleFinder.of(), roots);
            refused = PluginIsolation.checkReads(configuration);
            if (refused.isPresent()) {
                return failed(entry, copy, jarInfo, originals.in(refused.get()));
            }
            ModuleLayer.Controller controller = ModuleLayer.defineModulesWithOneLoader(configuration, List.of(parent),
                    ProviderFactory.class.getClassLoader());
            layer = controller.layer();
            // engines reach native code (FFM, JNI through JNA or JavaCPP); the operator chose to install them
            layer.modules().forEach(controller::enableNativeAccess);
            ShadowingFinder.addPluginReads(finder, controller);
            moduleNames = layer.modules().stream().map(Module::getName).sorted().toList();
        } catch (FindException | ResolutionException | LayerInstantiationException | SecurityException e) {
            return failed(entry, copy, jarInfo, originals.in(describeWithCauses(e)));
        } catch (RuntimeException e) {
            return failed(entry, copy, jarInfo, "cannot define module layer: " + originals.in(describeWithCauses(e)));
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
        problems.replaceAll(originals::in);
        if (factories.isEmpty()) {
            // nothing of it can run: failed, whatever the reason, so that /caps and capfabric_plugins_failed say so
            return failed(entry, copy, jarInfo, problems.isEmpty()
                    ? "no " + ProviderFactory.class.getName() + " found: does module-info.java say 'provides "
                            + ProviderFactory.class.getName() + " with ...'?"
                    : String.join("; ", problems));
        }
        if (!problems.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "plugin {0} ({1}) loaded in part: {2}", entry.name(), entry.path(), String.join("; ", problems));
        }
        return new LoadedPlugin(entry, copy, Optional.of(layer), moduleNames, factories, problems, jarInfo, Optional.empty());
    }

    private static LoadedPlugin failed(PluginEntry entry, Path copy, List<PluginJar> jars, String error) {
        // once per version of the plugin: a failed plugin is not tried again until its files change
        LOG.log(System.Logger.Level.WARNING, "plugin {0} ({1}) failed: {2}", entry.name(), entry.path(), error);
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

    /** The exception and its causes, each once: a corrupt jar's cause (a ZipException) is the useful part. */
    private static String describeWithCauses(Throwable e) {
        StringBuilder text = new StringBuilder(describe(e));
        Set<Throwable> seen = new java.util.HashSet<>(List.of(e));
        for (Throwable cause = e.getCause(); cause != null && seen.add(cause); cause = cause.getCause()) {
            if (cause.getMessage() == null || !text.toString().contains(cause.getMessage())) {
                text.append(": caused by ").append(describe(cause));
            }
        }
        return text.toString();
    }

    /** Says messages about the working copies in terms of the operator's files in the plugins folder. */
    private record Originals(Map<String, String> byCopy) {
        Originals(PluginEntry entry, Path copy, List<Path> copies) {
            this(map(entry, copy, copies));
        }

        private static Map<String, String> map(PluginEntry entry, Path copy, List<Path> copies) {
            Map<String, String> byCopy = new java.util.LinkedHashMap<>();
            for (Path jar : copies) {
                entry.jars().stream().filter(original -> original.getFileName().equals(jar.getFileName())).findFirst()
                        .ifPresent(original -> byCopy.put(jar.toString(), original.toString()));
            }
            byCopy.put(copy.toString(), entry.path().toString());
            return byCopy;
        }

        String in(String message) {
            String said = message;
            for (Map.Entry<String, String> paths : byCopy.entrySet()) {
                said = said.replace(paths.getKey(), paths.getValue());
            }
            return said;
        }
    }
}
