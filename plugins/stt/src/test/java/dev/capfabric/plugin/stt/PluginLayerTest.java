package dev.capfabric.plugin.stt;

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
 * The plugin as the kernel loads it, in a JVM whose boot layer is like the kernel's: the SPI and a
 * limited set of JDK modules, no plugin classes. Its classes and private jars go into a module layer of
 * their own with one class loader that is not the system one (see {@link PluginLayerLauncher}).
 */
class PluginLayerTest {

    private static final String KERNEL_RUNTIME = "java.base,java.logging,java.net.http,java.xml";

    @Test
    void localEnginesFindTheirModelsAndRecogniseSpeechFromTheirOwnLayer() throws Exception {
        Map<String, String> said = launch(KERNEL_RUNTIME);

        assertEquals("false", said.get("plugin-loader-is-system"), said.toString());
        assertEquals("true", said.get("data-loader-is-plugin-loader"), said.toString());
        assertEquals(SpeechSamples.WEATHER, said.get("heard.pocketsphinx"), said.toString());
        assertEquals(SpeechSamples.WEATHER, said.get("heard.sphinx4"), said.toString());
        assertTrue(said.get("artifacts.sphinx4").contains("sphinx4-data-1.0.0.jar"), said.toString());
        assertTrue(said.get("unusable.openai-whisper").contains("no base-url configured"), said.toString());
    }

    @Test
    void withoutJavaXmlOnlySphinx4IsUnusableAndSaysWhy() throws Exception {
        Map<String, String> said = launch("java.base,java.logging,java.net.http");

        assertTrue(said.get("unusable.sphinx4").contains("java.xml"), said.toString());
        assertEquals(SpeechSamples.WEATHER, said.get("heard.pocketsphinx"), said.toString());
    }

    @Test
    void moduleDescriptorProvidesThreeFactoriesAndExportsNothing() {
        ModuleDescriptor descriptor = PluginLayerTest.class.getModule().getDescriptor();

        assertEquals("capfabric.plugin.stt", descriptor.name());
        assertTrue(descriptor.exports().isEmpty(), descriptor.exports().toString());
        List<String> providers = descriptor.provides().stream()
                .filter(p -> p.service().equals("dev.capfabric.spi.ProviderFactory"))
                .flatMap(p -> p.providers().stream()).toList();
        assertEquals(3, providers.size(), providers.toString());
    }

    /** Runs the launcher with only {@code jdkModules} observable, plus the SPI; returns its key=value lines. */
    private static Map<String, String> launch(String jdkModules) throws IOException, InterruptedException {
        Path wav = Files.createTempFile("stt-layer-", ".wav");
        Files.write(wav, SpeechSamples.spoken(SpeechSamples.WEATHER));
        Path spi = Path.of(ModuleLayer.boot().configuration().findModule("capfabric.spi").orElseThrow()
                .reference().location().orElseThrow());
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path", spi.toString(),
                "--limit-modules", jdkModules + ",capfabric.spi",
                "--add-modules", "capfabric.spi",
                "-cp", System.getProperty("stt.plugin.test-classes"),
                PluginLayerLauncher.class.getName(),
                System.getProperty("stt.plugin.classes"), System.getProperty("stt.plugin.deps"), wav.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(180, TimeUnit.SECONDS), "launcher finished");
        assertEquals(0, process.exitValue(), output);
        Files.delete(wav);
        return output.lines().filter(line -> line.contains("=") && !line.startsWith(" ") && !line.startsWith("\t"))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1),
                        (a, b) -> b));
    }
}
