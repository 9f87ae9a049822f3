package dev.capfabric.plugin.stt;

import dev.capfabric.spi.CapabilityException;
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
 * modules the kernel's runtime has: loads the plugin as the kernel does (its own layer, one class
 * loader, native access granted to its modules), creates every provider it offers, lets each ready one
 * transcribe a WAV file, and prints what happened as {@code key=value} lines.
 *
 * <p>Arguments: the plugin's classes folder, the folder of its private jars, the WAV file.
 */
public final class PluginLayerLauncher {

    private PluginLayerLauncher() {
    }

    @SuppressWarnings("restricted") // granting native access to the plugin's layer, as the kernel does
    public static void main(String[] args) throws Exception {
        ModuleFinder plugin = ModuleFinder.of(Path.of(args[0]), Path.of(args[1]));
        byte[] wav = Files.readAllBytes(Path.of(args[2]));
        ModuleLayer parent = ProviderFactory.class.getModule().getLayer();
        Configuration configuration = parent.configuration()
                .resolveAndBind(plugin, ModuleFinder.of(), Set.of("capfabric.plugin.stt"));
        ModuleLayer.Controller controller = ModuleLayer.defineModulesWithOneLoader(configuration, List.of(parent),
                ProviderFactory.class.getClassLoader());
        ModuleLayer layer = controller.layer();
        layer.modules().forEach(controller::enableNativeAccess);
        ClassLoader loader = layer.findLoader("capfabric.plugin.stt");
        System.out.println("plugin-loader-is-system=" + (loader == ClassLoader.getSystemClassLoader()));
        System.out.println("data-loader-is-plugin-loader=" + (layer.findLoader("sphinx4.data") == loader));
        for (ProviderFactory factory : ServiceLoader.load(layer, ProviderFactory.class)) {
            if (factory.getClass().getModule().getLayer() != layer) {
                continue;
            }
            switch (factory.create(TestContext.of(Map.of()))) {
                case Creation.Unusable(String reason) ->
                        System.out.println("unusable." + factory.id() + "=" + reason.replace('\n', ' '));
                case Creation.Ready(CapabilityProvider provider) -> {
                    try (provider) {
                        Result result = provider.handle(TestJobs.wav(wav));
                        System.out.println("heard." + factory.id() + "=" + result.metadata().get("text"));
                        System.out.println("artifacts." + factory.id() + "=" + provider.describe().artifacts());
                    } catch (CapabilityException e) {
                        System.out.println("failed." + factory.id() + "=" + e.kind() + ": " + e.getMessage());
                    }
                }
            }
        }
    }
}
