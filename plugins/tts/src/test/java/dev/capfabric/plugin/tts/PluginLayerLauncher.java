package dev.capfabric.plugin.tts;

import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.ProviderFactory;
import dev.capfabric.spi.Result;

import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * Run in a JVM of its own by {@link PluginLayerTest}, whose boot layer holds only the SPI and the JDK
 * modules the kernel resolves: loads the plugin as the kernel does (its own layer, one loader), creates
 * every provider it offers, lets each ready one speak, and prints what happened as {@code key=value} lines.
 *
 * <p>Arguments: the plugin's classes folder, the folder of its private jars, a folder for the WAV files.
 */
public final class PluginLayerLauncher {

    private PluginLayerLauncher() {
    }

    public static void main(String[] args) throws Exception {
        ModuleFinder plugin = ModuleFinder.of(Path.of(args[0]), Path.of(args[1]));
        Path out = Path.of(args[2]);
        ModuleLayer parent = ProviderFactory.class.getModule().getLayer();
        Configuration configuration = parent.configuration().resolveAndBind(plugin, ModuleFinder.of(), Set.of("capfabric.plugin.tts"));
        ModuleLayer layer = ModuleLayer.defineModulesWithOneLoader(configuration, List.of(parent),
                ProviderFactory.class.getClassLoader()).layer();
        ClassLoader loader = layer.findLoader("capfabric.plugin.tts");
        System.out.println("plugin-loader-is-system=" + (loader == ClassLoader.getSystemClassLoader()));
        System.out.println("freetts-loader-is-plugin-loader=" + (layer.findLoader("freetts") == loader));
        for (ProviderFactory factory : ServiceLoader.load(layer, ProviderFactory.class)) {
            if (factory.getClass().getModule().getLayer() != layer) {
                continue;
            }
            Creation creation = factory.create(TestContext.of(Map.of("instances", "1")));
            switch (creation) {
                case Creation.Unusable(String reason) -> System.out.println("unusable." + factory.id() + "=" + reason.replace('\n', ' '));
                case Creation.Ready(CapabilityProvider provider) -> {
                    try (provider) {
                        Result result = provider.handle(TestJobs.text("Loaded in a layer of its own."));
                        Files.write(out.resolve(factory.id() + ".wav"), result.output().orElseThrow().bytes());
                        System.out.println("spoke." + factory.id() + "=" + result.metadata().get("duration_s"));
                    }
                }
            }
        }
    }
}
