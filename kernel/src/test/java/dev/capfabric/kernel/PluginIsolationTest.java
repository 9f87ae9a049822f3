package dev.capfabric.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static dev.capfabric.kernel.TestNode.provider;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a plugin may see (the SPI and the JDK), how a plugin that cannot load is reported, and which of
 * two versions of a plugin serves.
 */
class PluginIsolationTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String JACKSON_LAYER = "com.fasterxml.jackson.databind.ObjectMapper.class.getModule().getLayer()"
            + " == TestFactory.class.getModule().getLayer() ? \"own-jackson\" : \"kernel-jackson\"";

    @TempDir
    Path home;

    private final List<TestNode> nodes = new ArrayList<>();

    @AfterEach
    void stopNodes() {
        nodes.forEach(TestNode::close);
    }

    private TestNode start() {
        TestNode node = TestNode.start(home, "isolation", Map.of());
        nodes.add(node);
        return node;
    }

    private Path plugins() {
        return home.resolve("plugins");
    }

    // ---- item 3: a plugin sees the SPI and the JDK only ------------------------------------------------

    @Test
    void aPluginReadingAKernelLibraryItDoesNotBundleIsRefusedNamingTheModule() throws Exception {
        TestPlugins.provider("test.usesjackson", "uses-jackson", "echo").requires("com.fasterxml.jackson.databind")
                .tagExpression(JACKSON_LAYER).build(plugins().resolve("uses-jackson.jar"), jackson());
        // bundles its own jackson-core only: databind would be the kernel's, reading the kernel's core
        Path folder = plugins().resolve("half-jackson");
        TestPlugins.jar(folder.resolve("jackson-core.jar"), Map.of(
                "module-info.java", "module com.fasterxml.jackson.core { exports shadow; }",
                "shadow/Marker.java", "package shadow; public final class Marker { }"), List.of());
        TestPlugins.provider("test.halfjackson", "half-jackson", "echo").requires("com.fasterxml.jackson.databind")
                .tagExpression(JACKSON_LAYER).build(folder.resolve("half-jackson.jar"), jackson());
        // an automatic module of a plugin would read every module, the kernel's too
        Path auto = plugins().resolve("auto-reader");
        TestPlugins.automaticLibrary(auto.resolve("testlib.jar"), "auto");
        TestPlugins.provider("test.autoreader", "auto-reader", "echo").tagFromLibrary()
                .build(auto.resolve("auto-reader.jar"), List.of(auto.resolve("testlib.jar")));
        TestPlugins.provider("test.echo", "echo-one", "other").build(plugins().resolve("echo.jar"));
        TestNode node = start();

        JsonNode caps = node.getJson("/caps");
        for (String name : List.of("uses-jackson", "half-jackson")) {
            JsonNode plugin = plugin(caps, name);
            assertEquals("failed", plugin.get("status").asText(), plugin.toString());
            String error = plugin.get("error").asText();
            assertTrue(error.contains("reads com.fasterxml.jackson.databind"), error);
            assertTrue(error.contains("bundle com.fasterxml.jackson.databind"), error);
        }
        assertEquals("loaded", plugin(caps, "auto-reader").get("status").asText(), "an automatic module reading nothing of the kernel loads");
        assertEquals("auto", TestNode.json(node.postJson("/v1/capability/echo", "{}").body()).get("tag").asText());
        assertEquals(200, node.postJson("/v1/capability/other", "{}").statusCode());
        assertTrue(node.get("/metrics").body().contains("capfabric_plugins_failed 2.0"), "both counted as failed");
    }

    @Test
    void aPluginBundlingItsOwnCopyOfAKernelLibraryUsesItsOwn() throws Exception {
        Path folder = plugins().resolve("own-jackson");
        for (Path jar : jackson()) {
            copyAsJar(jar, folder.resolve(jar.getFileName().toString().endsWith(".jar") ? jar.getFileName().toString() : "lib-" + jar.getFileName() + ".jar"));
        }
        TestPlugins.provider("test.ownjackson", "own-jackson", "echo").requires("com.fasterxml.jackson.databind")
                .tagExpression(JACKSON_LAYER).build(folder.resolve("own-jackson.jar"), jackson());
        TestNode node = start();

        assertEquals("loaded", plugin(node.getJson("/caps"), "own-jackson").get("status").asText());
        HttpResponse<String> job = node.postJson("/v1/capability/echo", "{}");
        assertEquals("own-jackson", TestNode.json(job.body()).get("tag").asText(), job.body());
    }

    @Test
    void anOptionalDependencyOnAKernelLibraryIsLeftUnsatisfiedNotReadFromTheKernel() throws Exception {
        // as commons-logging's 'requires static org.slf4j': the library does without it, and must not get the kernel's
        Path folder = plugins().resolve("optional");
        Path lib = TestPlugins.jar(folder.resolve("optlib.jar"), Map.of(
                "module-info.java", "module optlib { requires static com.fasterxml.jackson.databind; exports optlib; }",
                "optlib/Probe.java", "package optlib; public final class Probe { public static String reads() { return "
                        + "Probe.class.getModule().canRead(ModuleLayer.boot().findModule(\"com.fasterxml.jackson.databind\").orElseThrow())"
                        + " ? \"reads-kernel-jackson\" : \"does-without\"; } }"), jackson());
        TestPlugins.provider("test.optional", "optional", "echo").requires("optlib").tagExpression("optlib.Probe.reads()")
                .build(folder.resolve("optional.jar"), List.of(lib));
        TestNode node = start();

        assertEquals("loaded", plugin(node.getJson("/caps"), "optional").get("status").asText(), node.getJson("/caps").toString());
        assertEquals("does-without", TestNode.json(node.postJson("/v1/capability/echo", "{}").body()).get("tag").asText());
    }

    // ---- item 5: a plugin that cannot load is failed, says why and what to do ---------------------------

    @Test
    void everyKindOfBrokenPluginIsFailedCountedAndSaysWhatToDo() throws Exception {
        Logger julLogger = Logger.getLogger("dev.capfabric.kernel.plugins.PluginLayerLoader");
        List<LogRecord> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        julLogger.addHandler(handler);
        try {
            // a class the JVM refuses (ClassFormatError)
            Path good = TestPlugins.provider("test.badclass", "bad-class", "echo").build(home.resolve("build/bad-class.jar"));
            rewrite(good, plugins().resolve("bad-class.jar"), "test/badclass/TestFactory.class");
            // a package split with the SPI, from an automatic module in the plugin's folder
            TestPlugins.jar(plugins().resolve("split/split-lib.jar"), Map.of(
                    "dev/capfabric/spi/Extra.java", "package dev.capfabric.spi; public final class Extra { }"), List.of());
            TestPlugins.provider("test.split", "split", "echo").build(plugins().resolve("split/split.jar"));
            // the SPI itself bundled
            copyAsJar(TestPlugins.spiLocation(), plugins().resolve("with-spi/capfabric-spi.jar"));
            TestPlugins.provider("test.withspi", "with-spi", "echo").build(plugins().resolve("with-spi/with-spi.jar"));
            // not a zip at all, and a real jar cut short
            Files.write(plugins().resolve("corrupt.jar"), "PK\u0003\u0004 this is not a zip".getBytes());
            Path whole = TestPlugins.provider("test.cut", "cut", "echo").build(home.resolve("build/cut.jar"));
            byte[] bytes = Files.readAllBytes(whole);
            Files.write(plugins().resolve("truncated.jar"), Arrays.copyOf(bytes, bytes.length / 2));
            TestPlugins.provider("test.echo", "echo-one", "other").build(plugins().resolve("echo.jar"));
            TestNode node = start();

            JsonNode caps = node.getJson("/caps");
            assertFailed(caps, "bad-class", "ClassFormatError");
            assertFailed(caps, "split", "package dev.capfabric.spi");
            assertFailed(caps, "with-spi", "bundles its own capfabric-spi");
            assertFailed(caps, "with-spi", "'provided'");
            for (String corrupt : List.of("corrupt", "truncated")) {
                String error = assertFailed(caps, corrupt, plugins().resolve(corrupt + ".jar").toString());
                assertFalse(error.contains(home.resolve("work").toString()), "names the file in plugins/, not the working copy: " + error);
                assertTrue(error.toLowerCase().contains("zip"), "gives the cause: " + error);
            }
            assertEquals("loaded", plugin(caps, "echo").get("status").asText());
            assertEquals(200, node.postJson("/v1/capability/other", "{}").statusCode(), "the node serves the good plugin");
            assertTrue(node.get("/metrics").body().contains("capfabric_plugins_failed 5.0"), node.get("/metrics").body());

            TestNode.sleep(500); // several polls of the folder
            for (String name : List.of("bad-class", "split", "with-spi", "corrupt", "truncated")) {
                long logged = warnings.stream().filter(r -> String.valueOf(r.getParameters() == null ? r.getMessage()
                        : java.text.MessageFormat.format(r.getMessage(), r.getParameters())).contains(plugins().resolve(name).toString())).count();
                assertEquals(1, logged, name + " logged once at WARNING, naming its file");
            }
        } finally {
            julLogger.removeHandler(handler);
        }
    }

    // ---- item 6: two versions of one provider ----------------------------------------------------------

    @Test
    void theHigherVersionOfAPluginServesWhicheverFileNameSortsFirst() throws Exception {
        TestPlugins.provider("test.wordcount", "wordcount", "words").tag("v1").build(plugins().resolve("wordcount-1.0.0.jar"));
        TestNode node = start();
        assertEquals("v1", tag(node));

        TestPlugins.provider("test.wordcount", "wordcount", "words").tag("v2").build(plugins().resolve("wordcount-2.0.0.jar"));
        JsonNode caps = node.awaitCaps(c -> "v2".equals(usable(c, "wordcount").at("/extra/tag").asText()), WAIT, "v2 to serve");
        assertEquals("wordcount-2.0.0", usable(caps, "wordcount").get("plugin").asText());
        JsonNode loser = loser(caps, "wordcount");
        assertTrue(loser.get("reason").asText().contains("plugin 'wordcount-2.0.0' supplies it (version 2.0.0 over 1.0.0)"),
                loser.get("reason").asText());
        assertEquals("v2", tag(node));

        Files.delete(plugins().resolve("wordcount-2.0.0.jar"));
        node.awaitCaps(c -> "v1".equals(usable(c, "wordcount").at("/extra/tag").asText()), WAIT, "v1 back once v2 is removed");
        assertEquals("v1", tag(node));
    }

    @Test
    void aModuleVersionOutranksTheFileNameAndOrderBreaksATie() {
        TestPlugins.provider("test.alpha", "speller", "words").tag("3.0.1").moduleVersion("3.0.1").order(100)
                .build(plugins().resolve("alpha.jar"));
        TestPlugins.provider("test.zeta", "speller", "words").tag("3.1").moduleVersion("3.1").build(plugins().resolve("zeta.jar"));
        TestPlugins.provider("test.low", "counter", "count").tag("low").moduleVersion("1.0").order(1).build(plugins().resolve("a-low.jar"));
        TestPlugins.provider("test.high", "counter", "count").tag("high").moduleVersion("1.0").order(9).build(plugins().resolve("b-high.jar"));
        TestNode node = start();

        JsonNode caps = node.getJson("/caps");
        assertEquals("zeta", usable(caps, "speller").get("plugin").asText());
        assertTrue(loser(caps, "speller").get("reason").asText().contains("version 3.1 over 3.0.1"), loser(caps, "speller").toString());
        assertEquals("b-high", usable(caps, "counter").get("plugin").asText());
        assertTrue(loser(caps, "counter").get("reason").asText().contains("same version 1.0, order 9 over 1"), loser(caps, "counter").toString());
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    private static String tag(TestNode node) {
        HttpResponse<String> job = node.postJson("/v1/capability/words", "{}");
        assertEquals(200, job.statusCode(), job.body());
        return TestNode.json(job.body()).get("tag").asText();
    }

    private static JsonNode usable(JsonNode caps, String id) {
        for (JsonNode p : caps.get("providers")) {
            if (p.get("id").asText().equals(id) && p.get("status").asText().equals("usable")) {
                return p;
            }
        }
        throw new AssertionError("no usable " + id + " in " + caps.get("providers"));
    }

    private static JsonNode loser(JsonNode caps, String id) {
        for (JsonNode p : caps.get("providers")) {
            if (p.get("id").asText().equals(id) && !p.get("status").asText().equals("usable")) {
                return p;
            }
        }
        throw new AssertionError("no second " + id + " in " + caps.get("providers"));
    }

    private static String assertFailed(JsonNode caps, String name, String expected) {
        JsonNode plugin = plugin(caps, name);
        assertEquals("failed", plugin.get("status").asText(), plugin.toString());
        String error = plugin.get("error").asText();
        assertTrue(error.contains(expected), name + ": '" + expected + "' not in " + error);
        return error;
    }

    private static JsonNode plugin(JsonNode caps, String name) {
        for (JsonNode plugin : caps.get("plugins")) {
            if (plugin.get("name").asText().equals(name)) {
                return plugin;
            }
        }
        throw new AssertionError("no plugin " + name + " in " + caps.get("plugins"));
    }

    /** The jars (or class folders) of the kernel's Jackson: databind, core, annotations. */
    private static List<Path> jackson() throws URISyntaxException {
        List<Path> paths = new ArrayList<>();
        for (Class<?> type : List.of(com.fasterxml.jackson.databind.ObjectMapper.class, com.fasterxml.jackson.core.JsonFactory.class,
                com.fasterxml.jackson.annotation.JsonProperty.class)) {
            paths.add(Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()));
        }
        return paths;
    }

    /** Copies a jar, or packs a folder of classes into one. */
    private static void copyAsJar(Path source, Path jar) throws IOException {
        Files.createDirectories(jar.getParent());
        if (Files.isDirectory(source)) {
            java.util.spi.ToolProvider tool = java.util.spi.ToolProvider.findFirst("jar").orElseThrow();
            assertEquals(0, tool.run(System.out, System.err, "--create", "--file", jar.toString(), "-C", source.toString(), "."));
        } else {
            Files.copy(source, jar);
        }
    }

    /** Copies {@code jar} to {@code target} with the class {@code entry} cut to garbage. */
    private static void rewrite(Path jar, Path target, String entry) throws IOException {
        Files.createDirectories(target.getParent());
        try (ZipFile in = new ZipFile(jar.toFile()); OutputStream file = Files.newOutputStream(target);
             ZipOutputStream out = new ZipOutputStream(file)) {
            for (ZipEntry e : java.util.Collections.list(in.entries())) {
                out.putNextEntry(new ZipEntry(e.getName()));
                try (InputStream data = in.getInputStream(e)) {
                    byte[] bytes = data.readAllBytes();
                    out.write(e.getName().equals(entry) ? Arrays.copyOf(bytes, 40) : bytes);
                }
                out.closeEntry();
            }
        }
    }
}
