package dev.capfabric.plugin.tts;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plugin as the kernel loads it, in a JVM whose boot layer is like the kernel's: the SPI and a limited
 * set of JDK modules, no plugin classes. Its classes and private jars go into a module layer of their own
 * with one class loader that is not the system one (see {@link PluginLayerLauncher}).
 */
class PluginLayerTest {

    @Test
    void everyProviderLoadsFromItsOwnLayerAndTheLocalEnginesSpeak() throws Exception {
        Path wavs = Files.createTempDirectory("tts-layer-");
        Map<String, String> said = launch(wavs, "java.base,java.logging,java.net.http,java.desktop");

        assertEquals("false", said.get("plugin-loader-is-system"), said.toString());
        assertEquals("true", said.get("freetts-loader-is-plugin-loader"), said.toString());
        for (String local : List.of("freetts", "flite", "espeak-ng")) {
            assertTrue(said.containsKey("spoke." + local), local + " spoke: " + said);
            SpokenAudio.of(Files.readAllBytes(wavs.resolve(local + ".wav"))).assertSpeech(1.0);
        }
        assertTrue(said.get("unusable.openai-speech").contains("base-url is not set"), said.toString());
    }

    @Test
    void withoutJavaDesktopOnlyFreettsIsUnusableAndSaysWhy() throws Exception {
        Map<String, String> said = launch(Files.createTempDirectory("tts-layer-"), "java.base,java.logging,java.net.http");

        assertTrue(said.get("unusable.freetts").contains("java.desktop"), said.toString());
        assertTrue(said.containsKey("spoke.flite") && said.containsKey("spoke.espeak-ng"), said.toString());
    }

    @Test
    void moduleDescriptorProvidesFourFactoriesAndExportsNothing() {
        ModuleDescriptor descriptor = PluginLayerTest.class.getModule().getDescriptor();

        assertEquals("capfabric.plugin.tts", descriptor.name());
        assertTrue(descriptor.exports().isEmpty(), descriptor.exports().toString());
        List<String> providers = descriptor.provides().stream()
                .filter(p -> p.service().equals("dev.capfabric.spi.ProviderFactory"))
                .flatMap(p -> p.providers().stream()).toList();
        assertEquals(4, providers.size(), providers.toString());
    }

    /** Runs the launcher with only {@code jdkModules} observable, plus the SPI; returns its key=value lines. */
    private static Map<String, String> launch(Path wavs, String jdkModules) throws IOException, InterruptedException {
        Path spi = Path.of(ModuleLayer.boot().configuration().findModule("capfabric.spi").orElseThrow()
                .reference().location().orElseThrow());
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path", spi.toString(),
                "--limit-modules", jdkModules + ",capfabric.spi",
                "--add-modules", "capfabric.spi",
                "-cp", System.getProperty("tts.plugin.test-classes"),
                PluginLayerLauncher.class.getName(),
                System.getProperty("tts.plugin.classes"), System.getProperty("tts.plugin.deps"), wavs.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "launcher finished");
        assertEquals(0, process.exitValue(), output);
        return output.lines().filter(line -> line.contains("=") && !line.startsWith(" "))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1), (a, b) -> b));
    }
}
