package dev.capfabric.plugin.ocr;

import com.sun.net.httpserver.HttpServer;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.ProviderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged plugin in a module layer of its own, built the way the kernel builds it: every jar
 * of the plugin folder a root, one class loader, native access enabled, the SPI from the parent.
 * JavaCPP must find and extract the natives through that loader, and the bundled traineddata must
 * be read from the plugin jar.
 */
class PluginLayerIT {

    @TempDir
    Path dataDir;

    @Test
    void recognisesTextWhenLoadedInAChildLayerLikeTheKernelLoadsIt() throws Exception {
        ModuleLayer layer = pluginLayer(pluginFolder());
        Map<String, ProviderFactory> factories = factories(layer);
        assertEquals(Set.of("tesseract", "vision-llm"), factories.keySet());

        ProviderFactory tesseract = factories.get("tesseract");
        assertNotSame(getClass().getClassLoader(), tesseract.getClass().getClassLoader());
        // the bundled English only, so it has to come out of the plugin jar in the layer
        Creation creation = tesseract.create(new TestContext(Map.of("system-tessdata", "false"), dataDir));
        try (CapabilityProvider provider = assertInstanceOf(Creation.Ready.class, creation, creation::toString).provider()) {
            Map<String, Object> json = provider.handle(TestJobs.png(TextImages.png("Loaded from a module layer"))).metadata();

            assertEquals("Loaded from a module layer", json.get("text"));
            assertEquals(List.of("eng"), provider.describe().languages());
        }
    }

    @Test
    void talksToAVisionBackendWhenLoadedInAChildLayer() throws Exception {
        HttpServer ollama = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ollama.createContext("/api/generate", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] answer = "{\"model\":\"llava\",\"response\":\"read in a layer\",\"done\":true}".getBytes();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        ollama.start();
        try {
            ProviderFactory visionLlm = factories(pluginLayer(pluginFolder())).get("vision-llm");
            Creation creation = visionLlm.create(new TestContext(Map.of("base-url",
                    "http://127.0.0.1:" + ollama.getAddress().getPort(), "model", "llava"), dataDir));
            try (CapabilityProvider provider = assertInstanceOf(Creation.Ready.class, creation, creation::toString).provider()) {
                // JSON both ways goes through jackson-jr, itself loaded in the layer
                assertEquals("read in a layer", provider.handle(TestJobs.png(TextImages.png("x"))).metadata().get("text"));
            }
        } finally {
            ollama.stop(0);
        }
    }

    @Test
    void reportsTheTesseractProviderUnusableWhenThePlatformJarsAreMissing() throws Exception {
        List<Path> withoutNatives = pluginFolder().stream()
                .filter(jar -> !jar.getFileName().toString().matches(".*-(linux|macosx|windows)-[a-z0-9_]+\\.jar"))
                .toList();
        ModuleLayer layer = pluginLayer(withoutNatives);

        Creation creation = factories(layer).get("tesseract").create(new TestContext(Map.of(), dataDir));

        String reason = assertInstanceOf(Creation.Unusable.class, creation, creation::toString).reason();
        assertTrue(reason.startsWith("the Tesseract native libraries for linux-x86_64 could not be loaded"), reason);
    }

    private static List<Path> pluginFolder() throws IOException {
        Path jar = Path.of(System.getProperty("ocr.plugin.jar"));
        try (Stream<Path> deps = Files.list(Path.of(System.getProperty("ocr.plugin.deps")))) {
            return Stream.concat(Stream.of(jar), deps.filter(path -> path.toString().endsWith(".jar"))).toList();
        }
    }

    private static ModuleLayer pluginLayer(List<Path> jars) {
        ModuleLayer parent = ProviderFactory.class.getModule().getLayer();
        ModuleFinder finder = explicit(ModuleFinder.of(jars.toArray(Path[]::new)));
        Set<String> roots = finder.findAll().stream().map(ModuleReference::descriptor)
                .map(java.lang.module.ModuleDescriptor::name).collect(Collectors.toSet());
        Configuration configuration = parent.configuration().resolveAndBind(finder, ModuleFinder.of(), roots);
        // The kernel passes its own loader, which holds no natives. Here that loader is the test's, whose
        // module path holds the platform jars, so resources would be found through it: the platform
        // loader keeps this layer as blind to them as the kernel's is.
        ModuleLayer.Controller controller = ModuleLayer.defineModulesWithOneLoader(configuration, List.of(parent),
                ClassLoader.getPlatformClassLoader());
        controller.layer().modules().forEach(controller::enableNativeAccess);
        readEachOther(controller);
        return controller.layer();
    }

    /**
     * The plugin's modules with each automatic one (PDFBox's) given an explicit descriptor, as the kernel
     * does: an automatic module reads every module it can see, and here the parent is the test's boot layer,
     * which holds the plugin's dependencies too, so it would read two modules of one name. They read the
     * plugin's other modules once the layer is defined ({@link #readEachOther}): declared, those reads would
     * make cycles, which resolution refuses among explicit modules.
     */
    private static ModuleFinder explicit(ModuleFinder plugin) {
        Set<ModuleReference> found = plugin.findAll();
        Map<String, ModuleReference> modules = new java.util.HashMap<>();
        for (ModuleReference reference : found) {
            java.lang.module.ModuleDescriptor descriptor = reference.descriptor();
            if (!descriptor.isAutomatic()) {
                modules.put(descriptor.name(), reference);
                continue;
            }
            java.lang.module.ModuleDescriptor.Builder builder = java.lang.module.ModuleDescriptor
                    .newOpenModule(descriptor.name()).packages(descriptor.packages());
            // the JDK modules PDFBox uses, where the boot layer resolved them (java.desktop is added for the tests)
            java.util.stream.Stream.of("java.desktop", "java.xml", "java.logging").filter(jdk -> ModuleLayer.boot()
                    .findModule(jdk).isPresent()).forEach(builder::requires);
            descriptor.packages().forEach(builder::exports);
            java.lang.module.ModuleDescriptor made = builder.build();
            modules.put(made.name(), new ModuleReference(made, reference.location().orElseThrow()) {
                @Override
                public java.lang.module.ModuleReader open() throws java.io.IOException {
                    return reference.open();
                }
            });
        }
        return new ModuleFinder() {
            @Override
            public java.util.Optional<ModuleReference> find(String name) {
                return java.util.Optional.ofNullable(modules.get(name));
            }

            @Override
            public Set<ModuleReference> findAll() {
                return Set.copyOf(modules.values());
            }
        };
    }

    private static void readEachOther(ModuleLayer.Controller controller) {
        for (Module module : controller.layer().modules()) {
            if (module.getDescriptor().isOpen()) {
                controller.layer().modules().stream().filter(other -> other != module)
                        .forEach(other -> controller.addReads(module, other));
            }
        }
    }

    private static Map<String, ProviderFactory> factories(ModuleLayer layer) {
        // the kernel's module says 'uses'; this test runs inside the plugin's own module, which does not
        PluginLayerIT.class.getModule().addUses(ProviderFactory.class);
        return ServiceLoader.load(layer, ProviderFactory.class).stream()
                .filter(provider -> provider.type().getModule().getLayer() == layer) // not the parent's copy
                .map(ServiceLoader.Provider::get)
                .collect(Collectors.toMap(ProviderFactory::id, factory -> factory));
    }
}
