package dev.capfabric.kernel.plugins;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds a plugin's modules so that they see only what the plugin carries, the SPI and the JDK.
 *
 * <p>An automatic module reads every module it can see, including the kernel's libraries: it would
 * quietly run on the kernel's Jackson, or read two modules of one name when the plugin carries its
 * own copy. So each automatic module of a plugin is given an explicit descriptor instead: open,
 * exporting all its packages, providing what its {@code META-INF/services} name (and using those
 * services, as a library that looks up its own extensions would), requiring the plugin's explicit
 * modules, the SPI and the JDK's modules — not the kernel's libraries ({@link PluginIsolation}) — and
 * reading the plugin's other modules once the layer exists ({@link #addPluginReads}).
 * Plugins made only of explicit modules are found exactly as they are.
 */
final class ShadowingFinder implements ModuleFinder {

    private static final String SPI = dev.capfabric.spi.ProviderFactory.class.getModule().getName();

    private final Map<String, ModuleReference> modules;
    /** The plugin's automatic modules, given explicit descriptors here. */
    private final Set<String> madeExplicit;

    private ShadowingFinder(Map<String, ModuleReference> modules, Set<String> madeExplicit) {
        this.modules = modules;
        this.madeExplicit = Set.copyOf(madeExplicit);
    }

    /**
     * A finder over the plugin's modules.
     *
     * @param plugin the plugin's jars
     * @param parent the layer the plugin's layer will sit on
     */
    static ModuleFinder of(ModuleFinder plugin, ModuleLayer parent) {
        Set<ModuleReference> found = plugin.findAll();
        Set<String> own = new TreeSet<>();
        found.forEach(ref -> own.add(ref.descriptor().name()));
        Set<String> visible = new TreeSet<>();
        collectNames(parent, visible);
        if (found.stream().noneMatch(ref -> ref.descriptor().isAutomatic() || optionalKernelRequires(ref.descriptor(), own).isPresent())) {
            return plugin;
        }
        Map<String, ModuleReference> modules = new LinkedHashMap<>();
        Set<String> madeExplicit = new TreeSet<>();
        for (ModuleReference ref : found) {
            ModuleDescriptor descriptor = ref.descriptor();
            modules.put(descriptor.name(), descriptor.isAutomatic() ? explicit(ref, found, own, visible)
                    : optionalKernelRequires(descriptor, own).isPresent() ? withoutOptional(ref, own) : ref);
            if (descriptor.isAutomatic()) {
                madeExplicit.add(descriptor.name());
            }
        }
        return new ShadowingFinder(modules, madeExplicit);
    }

    private static void collectNames(ModuleLayer layer, Set<String> names) {
        layer.modules().forEach(module -> names.add(module.getName()));
        layer.parents().forEach(parent -> collectNames(parent, names));
    }

    private static ModuleReference explicit(ModuleReference automatic, Set<ModuleReference> plugin, Set<String> own, Set<String> visible) {
        ModuleDescriptor descriptor = automatic.descriptor();
        String name = descriptor.name();
        ModuleDescriptor.Builder builder = ModuleDescriptor.newOpenModule(name);
        descriptor.rawVersion().ifPresent(builder::version);
        descriptor.mainClass().ifPresent(builder::mainClass);
        builder.packages(descriptor.packages());
        descriptor.packages().forEach(builder::exports);
        descriptor.provides().forEach(builder::provides);
        // an automatic module may look up any service; the explicit one may look up those the plugin provides
        Set<String> readable = readablePackages(descriptor, plugin, visible);
        Set<String> services = new TreeSet<>();
        plugin.forEach(ref -> ref.descriptor().provides().forEach(p -> services.add(p.service())));
        services.stream().filter(service -> readable.contains(packageOf(service))).forEach(builder::uses);
        for (String other : own) {
            // an explicit module of the plugin that requires this one must not be required back, and two
            // automatic modules may well use each other (PDFBox's do): declared, either is a cycle, which
            // resolution refuses; the reads between automatic modules are added once the layer exists
            if (!other.equals(name) && !requires(plugin, other, name) && !automatic(plugin, other)) {
                builder.requires(Set.of(ModuleDescriptor.Requires.Modifier.TRANSITIVE), other);
            }
        }
        // of what lies below the plugin, only the SPI and the JDK: the kernel's libraries are its own business,
        // and reading one of them may imply reading its copy of a module the plugin carries
        ModuleFinder system = ModuleFinder.ofSystem();
        for (String below : visible) {
            boolean jdk = system.find(below).isPresent();
            if (!own.contains(below) && !below.equals("java.base") && (jdk || below.equals(SPI))) {
                builder.requires(below);
            }
        }
        ModuleDescriptor replaced = builder.build();
        return new ModuleReference(replaced, automatic.location().orElse(null)) {
            @Override
            public ModuleReader open() throws IOException {
                return automatic.open();
            }
        };
    }

    /**
     * A {@code requires static} (an optional dependency, such as commons-logging's on SLF4J) that the
     * plugin does not bundle and that is neither the SPI nor the JDK's: resolution would satisfy it
     * from the kernel's layer, and the plugin would quietly run on the kernel's library.
     */
    private static Optional<String> optionalKernelRequires(ModuleDescriptor descriptor, Set<String> own) {
        ModuleFinder system = ModuleFinder.ofSystem();
        return descriptor.requires().stream()
                .filter(r -> r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
                .map(ModuleDescriptor.Requires::name)
                .filter(name -> !own.contains(name) && !name.equals(SPI) && system.find(name).isEmpty())
                .findFirst();
    }

    /** The explicit module as it is, less its optional requires of what the plugin does not bundle (the library does without). */
    private static ModuleReference withoutOptional(ModuleReference module, Set<String> own) {
        ModuleDescriptor descriptor = module.descriptor();
        ModuleDescriptor.Builder builder = ModuleDescriptor.newModule(descriptor.name(), descriptor.modifiers());
        descriptor.rawVersion().ifPresent(builder::version);
        descriptor.mainClass().ifPresent(builder::mainClass);
        builder.packages(descriptor.packages());
        ModuleFinder system = ModuleFinder.ofSystem();
        for (ModuleDescriptor.Requires requires : descriptor.requires()) {
            boolean optional = requires.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC);
            String name = requires.name();
            if (!optional || own.contains(name) || name.equals(SPI) || system.find(name).isPresent()) {
                builder.requires(requires);
            }
        }
        descriptor.exports().forEach(builder::exports);
        descriptor.opens().forEach(builder::opens);
        descriptor.uses().forEach(builder::uses);
        descriptor.provides().forEach(builder::provides);
        ModuleDescriptor replaced = builder.build();
        return new ModuleReference(replaced, module.location().orElse(null)) {
            @Override
            public ModuleReader open() throws IOException {
                return module.open();
            }
        };
    }

    private static boolean automatic(Set<ModuleReference> plugin, String module) {
        return plugin.stream().anyMatch(ref -> ref.descriptor().name().equals(module) && ref.descriptor().isAutomatic());
    }

    /**
     * Gives the modules this finder made explicit the reads an automatic module has among its plugin's
     * modules: each reads every other module of the layer, and every module of the layer reads it (an
     * automatic module's readers read all automatic modules). Does nothing for a finder other than this.
     */
    static void addPluginReads(ModuleFinder finder, ModuleLayer.Controller controller) {
        if (!(finder instanceof ShadowingFinder shadowing)) {
            return;
        }
        ModuleLayer layer = controller.layer();
        for (String name : shadowing.madeExplicit) {
            Module module = layer.findModule(name).orElseThrow();
            for (Module other : layer.modules()) {
                if (other != module) {
                    controller.addReads(module, other);
                    controller.addReads(other, module);
                }
            }
        }
    }

    /**
     * Packages a rewritten automatic module sees when it is resolved: its own, those the plugin's
     * explicit modules it requires export, the SPI's and the JDK's (the other automatic modules are read
     * only once the layer exists, too late for a {@code uses}).
     */
    private static Set<String> readablePackages(ModuleDescriptor self, Set<ModuleReference> plugin, Set<String> visible) {
        Set<String> packages = new TreeSet<>(self.packages());
        for (ModuleReference ref : plugin) {
            ModuleDescriptor descriptor = ref.descriptor();
            if (!descriptor.isAutomatic() && !requires(plugin, descriptor.name(), self.name())) {
                descriptor.exports().stream().filter(e -> !e.isQualified()).forEach(e -> packages.add(e.source()));
            }
        }
        ModuleFinder system = ModuleFinder.ofSystem();
        for (String below : visible) {
            if (below.equals(SPI) || system.find(below).isPresent()) {
                ModuleLayer.boot().findModule(below).ifPresent(module -> module.getDescriptor().exports().stream()
                        .filter(e -> !e.isQualified()).forEach(e -> packages.add(e.source())));
            }
        }
        return packages;
    }

    private static String packageOf(String type) {
        int dot = type.lastIndexOf('.');
        return dot < 0 ? "" : type.substring(0, dot);
    }

    private static boolean requires(Set<ModuleReference> plugin, String module, String required) {
        return plugin.stream()
                .filter(ref -> ref.descriptor().name().equals(module) && !ref.descriptor().isAutomatic())
                .anyMatch(ref -> ref.descriptor().requires().stream().anyMatch(r -> r.name().equals(required)));
    }

    @Override
    public Optional<ModuleReference> find(String name) {
        return Optional.ofNullable(modules.get(name));
    }

    @Override
    public Set<ModuleReference> findAll() {
        return Set.copyOf(modules.values());
    }
}
