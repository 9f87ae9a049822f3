package dev.capfabric.kernel.plugins;

import dev.capfabric.spi.ProviderFactory;

import java.lang.module.ModuleDescriptor;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The version a plugin states for a factory, to rank two plugins that offer one provider id: the
 * factory's module version ({@code --module-version}, which Maven sets from the project version), else
 * the {@code Implementation-Version} of that module's jar, else a version at the end of the plugin's
 * name ({@code wordcount-2.0.0}).
 */
final class PluginVersions {

    private static final Pattern NAME_VERSION = Pattern.compile("-(\\d+(?:\\.\\d+)*(?:[-+.][0-9A-Za-z.-]+)?)$");

    private PluginVersions() {
    }

    static Optional<ModuleDescriptor.Version> of(LoadedPlugin plugin, ProviderFactory factory) {
        Module module = factory.getClass().getModule();
        Optional<ModuleDescriptor.Version> stated = Optional.ofNullable(module.getDescriptor()).flatMap(ModuleDescriptor::version);
        if (stated.isPresent()) {
            return stated;
        }
        Optional<ModuleDescriptor.Version> implementation = plugin.jars().stream()
                .filter(jar -> module.getName().equals(jar.module()) && jar.version() != null)
                .findFirst()
                .flatMap(jar -> parse(jar.version()));
        if (implementation.isPresent()) {
            return implementation;
        }
        Matcher fromName = NAME_VERSION.matcher(plugin.name());
        return fromName.find() ? parse(fromName.group(1)) : Optional.empty();
    }

    private static Optional<ModuleDescriptor.Version> parse(String text) {
        try {
            return Optional.of(ModuleDescriptor.Version.parse(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
