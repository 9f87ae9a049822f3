package dev.capfabric.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static dev.capfabric.kernel.TestNode.provider;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PluginLoadingTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path home;

    private final List<TestNode> nodes = new ArrayList<>();

    @AfterEach
    void stopNodes() {
        nodes.forEach(TestNode::close);
    }

    private TestNode start(Map<String, String> env) {
        TestNode node = TestNode.start(home, "plugin-test", env);
        nodes.add(node);
        return node;
    }

    private static boolean hasCapability(JsonNode caps, String capability) {
        return caps.get("capabilities").has(capability);
    }

    @Test
    void droppedInJarAddsItsCapabilityWithoutRestart() {
        TestNode node = start(Map.of());
        assertFalse(hasCapability(node.getJson("/caps"), "echo"));

        TestPlugins.provider("test.echo", "echo-one", "echo").build(home.resolve("plugins/echo.jar"));

        JsonNode caps = node.awaitCaps(c -> hasCapability(c, "echo"), WAIT, "echo capability");
        assertEquals("echo-one", caps.at("/capabilities/echo/providers/0").asText());
        assertEquals("usable", provider(caps, "echo-one").get("status").asText());
        assertEquals("loaded", caps.at("/plugins/0/status").asText());
        assertEquals("test.echo", caps.at("/plugins/0/modules/0").asText());
        HttpResponse<String> job = node.postJson("/v1/capability/echo", "{\"text\":\"hello\"}");
        assertEquals(200, job.statusCode(), job.body());
        assertEquals("hello", TestNode.json(job.body()).at("/params/text").asText());
    }

    @Test
    void removedPluginJarDropsItsCapabilityWithoutRestart() throws Exception {
        Path jar = TestPlugins.provider("test.echo", "echo-one", "echo").build(home.resolve("plugins/echo.jar"));
        TestNode node = start(Map.of());
        assertTrue(hasCapability(node.getJson("/caps"), "echo"));

        Files.delete(jar);

        JsonNode caps = node.awaitCaps(c -> !hasCapability(c, "echo"), WAIT, "echo capability gone");
        assertNull(provider(caps, "echo-one"));
        assertEquals(0, caps.get("plugins").size());
        assertEquals(404, node.postJson("/v1/capability/echo", "{}").statusCode());
    }

    @Test
    void replacedJarServesTheNewVersion() throws Exception {
        TestPlugins.provider("test.echo", "echo-one", "echo").tag("old").build(home.resolve("plugins/echo.jar"));
        TestNode node = start(Map.of());
        assertEquals("old", TestNode.json(node.postJson("/v1/capability/echo", "{}").body()).get("tag").asText());

        // keep the timestamp from coinciding with the old file's on coarse file systems
        Thread.sleep(20);
        TestPlugins.provider("test.echo", "echo-one", "echo").tag("new").build(home.resolve("plugins/echo.jar"));

        node.awaitCaps(c -> "new".equals(provider(c, "echo-one").at("/extra/tag").asText()), WAIT, "new version");
        assertEquals("new", TestNode.json(node.postJson("/v1/capability/echo", "{}").body()).get("tag").asText());
    }

    @Test
    void removedProviderFinishesItsRunningJobBeforeClosing() throws Exception {
        Path jar = TestPlugins.provider("test.slow", "slow", "slow").build(home.resolve("plugins/slow.jar"));
        TestNode node = start(Map.of());
        CompletableFuture<HttpResponse<String>> running = CompletableFuture.supplyAsync(
                () -> node.postJson("/v1/capability/slow?sleep_ms=1500", "{}"));
        Path seen = home.resolve("work/data/slow/seen.log");
        long end = System.nanoTime() + WAIT.toNanos();
        while (!Files.exists(seen) && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(seen), "the job started");

        Files.delete(jar);
        node.awaitCaps(c -> !hasCapability(c, "slow"), WAIT, "slow capability gone");
        assertFalse(Files.exists(home.resolve("work/data/slow/closed.log")), "closed while its job was running");

        HttpResponse<String> response = running.get();
        assertEquals(200, response.statusCode(), response.body());
        end = System.nanoTime() + WAIT.toNanos();
        while (!Files.exists(home.resolve("work/data/slow/closed.log")) && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(home.resolve("work/data/slow/closed.log")), "closed after its job returned");
    }

    @Test
    void corruptJarIsReportedAndTheKernelKeepsServing() throws Exception {
        Files.createDirectories(home.resolve("plugins"));
        Files.write(home.resolve("plugins/broken.jar"), "PK\u0003\u0004 this is not a zip".getBytes());
        TestPlugins.provider("test.echo", "echo-one", "echo").build(home.resolve("plugins/echo.jar"));
        TestNode node = start(Map.of());

        JsonNode caps = node.getJson("/caps");
        JsonNode broken = plugin(caps, "broken");
        assertEquals("failed", broken.get("status").asText());
        assertFalse(broken.get("error").asText().isBlank());
        assertTrue(hasCapability(caps, "echo"), "the good plugin still loads");
    }

    @Test
    void pluginMissingItsDependencyIsReportedWithTheModuleName() {
        // plugin requires module testlib, which its folder does not carry
        Path lib = TestPlugins.library(home.resolve("lib-only/testlib.jar"), "1");
        TestPlugins.provider("test.needslib", "needs-lib", "echo").tagFromLibrary()
                .build(home.resolve("plugins/needs-lib/needs-lib.jar"), List.of(lib));
        TestNode node = start(Map.of());

        JsonNode failed = plugin(node.getJson("/caps"), "needs-lib");
        assertEquals("failed", failed.get("status").asText());
        assertTrue(failed.get("error").asText().contains("testlib"), failed.get("error").asText());
    }

    @Test
    void factoryThatThrowsIsReportedAndOthersStillLoad() {
        TestPlugins.provider("test.ctor", "ctor-throws", "echo").throwInConstructor().build(home.resolve("plugins/ctor.jar"));
        TestPlugins.provider("test.create", "create-throws", "echo").throwInCreate().build(home.resolve("plugins/create.jar"));
        TestPlugins.provider("test.echo", "echo-one", "echo").build(home.resolve("plugins/echo.jar"));
        TestNode node = start(Map.of());

        JsonNode caps = node.getJson("/caps");
        assertTrue(plugin(caps, "ctor").get("error").asText().contains("constructor refuses on purpose"));
        JsonNode createThrows = provider(caps, "create-throws");
        assertEquals("unavailable", createThrows.get("status").asText());
        assertTrue(createThrows.get("reason").asText().contains("create refuses on purpose"));
        assertEquals(List.of("echo-one"), ids(caps.at("/capabilities/echo/providers")));
    }

    @Test
    void unusableProviderIsListedWithItsReasonAndGivesNoCapability() {
        TestPlugins.provider("test.nogpu", "needs-gpu", "image").unusable("no GPU backend configured").build(home.resolve("plugins/nogpu.jar"));
        TestNode node = start(Map.of());

        JsonNode caps = node.getJson("/caps");
        assertFalse(hasCapability(caps, "image"));
        assertEquals("no GPU backend configured", provider(caps, "needs-gpu").get("reason").asText());
        HttpResponse<String> job = node.postJson("/v1/capability/image", "{}");
        assertEquals(503, job.statusCode(), "a known capability without a usable provider is 503, never 404");
        assertTrue(job.headers().firstValue("Retry-After").isPresent());
        assertTrue(job.body().contains("no GPU backend configured"), job.body());
    }

    @Test
    void providerWhoseHealthIsDownIsNeverAdvertised() {
        TestPlugins.provider("test.down", "backend-down", "image").healthDown("backend http://gpu:7860 refused the connection")
                .build(home.resolve("plugins/down.jar"));
        TestNode node = start(Map.of());

        JsonNode caps = node.getJson("/caps");
        assertFalse(hasCapability(caps, "image"));
        JsonNode down = provider(caps, "backend-down");
        assertEquals("unavailable", down.get("status").asText());
        assertEquals("backend http://gpu:7860 refused the connection", down.get("reason").asText());
    }

    @Test
    void duplicateProviderIdsAreResolvedByOrderAndTheLoserIsReported() {
        TestPlugins.provider("test.first", "same-id", "echo").tag("low").order(1).build(home.resolve("plugins/a-low.jar"));
        TestPlugins.provider("test.second", "same-id", "echo").tag("high").order(5).build(home.resolve("plugins/b-high.jar"));
        TestNode node = start(Map.of());

        JsonNode caps = node.getJson("/caps");
        List<JsonNode> entries = new ArrayList<>();
        caps.get("providers").forEach(p -> {
            if (p.get("id").asText().equals("same-id")) {
                entries.add(p);
            }
        });
        assertEquals(2, entries.size());
        JsonNode winner = entries.stream().filter(p -> p.get("status").asText().equals("usable")).findFirst().orElseThrow();
        JsonNode loser = entries.stream().filter(p -> p.get("status").asText().equals("unavailable")).findFirst().orElseThrow();
        assertEquals("b-high", winner.get("plugin").asText());
        assertTrue(loser.get("reason").asText().contains("duplicate provider id"), loser.get("reason").asText());
        assertEquals("high", TestNode.json(node.postJson("/v1/capability/echo", "{}").body()).get("tag").asText());
    }

    @Test
    void configurationCanPinWhichPluginSuppliesADuplicateId() {
        TestPlugins.provider("test.first", "same-id", "echo").tag("low").order(1).build(home.resolve("plugins/a-low.jar"));
        TestPlugins.provider("test.second", "same-id", "echo").tag("high").order(5).build(home.resolve("plugins/b-high.jar"));
        TestNode node = start(Map.of("CAPFABRIC_PROVIDERS_SAME_ID_PLUGIN", "a-low"));

        assertEquals("low", TestNode.json(node.postJson("/v1/capability/echo", "{}").body()).get("tag").asText());
    }

    @Test
    void twoPluginsCarryingDifferentVersionsOfOneLibraryBothWork() {
        Path v1 = TestPlugins.library(home.resolve("plugins/alpha/testlib.jar"), "1.0");
        Path v2 = TestPlugins.library(home.resolve("plugins/beta/testlib.jar"), "2.0");
        TestPlugins.provider("test.alpha", "alpha", "echo").tagFromLibrary().build(home.resolve("plugins/alpha/alpha.jar"), List.of(v1));
        TestPlugins.provider("test.beta", "beta", "echo").tagFromLibrary().build(home.resolve("plugins/beta/beta.jar"), List.of(v2));
        TestNode node = start(Map.of());

        JsonNode caps = node.getJson("/caps");
        assertEquals("loaded", plugin(caps, "alpha").get("status").asText());
        assertEquals("loaded", plugin(caps, "beta").get("status").asText());
        assertEquals("1.0", TestNode.json(node.postJson("/v1/capability/echo?provider=alpha", "{}").body()).get("tag").asText());
        assertEquals("2.0", TestNode.json(node.postJson("/v1/capability/echo?provider=beta", "{}").body()).get("tag").asText());
    }

    @Test
    void pluginCarryingItsOwnCopyOfAKernelLibraryLoadsEvenWithAutomaticModules() {
        // the kernel's layer holds Jackson; this plugin carries its own com.fasterxml.jackson.core, and an
        // automatic module, which would otherwise read both copies (directly, and through jackson-databind)
        Path auto = TestPlugins.automaticLibrary(home.resolve("plugins/clash/testlib.jar"), "auto-1");
        TestPlugins.jar(home.resolve("plugins/clash/jctools-own.jar"), Map.of(
                "module-info.java", "module com.fasterxml.jackson.core { exports shadow; }",
                "shadow/Marker.java", "package shadow; public final class Marker { }"), List.of());
        TestPlugins.provider("test.clash", "clash", "echo").tagFromLibrary().build(home.resolve("plugins/clash/clash.jar"), List.of(auto));
        TestNode node = start(Map.of());

        JsonNode caps = node.getJson("/caps");
        assertEquals("loaded", plugin(caps, "clash").get("status").asText(), caps.toPrettyString());
        assertEquals("auto-1", TestNode.json(node.postJson("/v1/capability/echo", "{}").body()).get("tag").asText());
    }

    @Test
    void pluginCarryingAKernelLibraryAndAutomaticModulesThatUseEachOtherLoads() {
        // as the ocr plugin with PDFBox: its automatic jars use each other; made explicit because of the
        // shadowed copy beside them, they must not declare those uses (a cycle, which resolution refuses)
        List<Path> pair = TestPlugins.automaticPair(home.resolve("plugins/pair/testlib.jar"),
                home.resolve("plugins/pair/helper.jar"), "2");
        TestPlugins.jar(home.resolve("plugins/pair/own-core.jar"), Map.of(
                "module-info.java", "module com.fasterxml.jackson.core { exports shadow; }",
                "shadow/Marker.java", "package shadow; public final class Marker { }"), List.of());
        TestPlugins.provider("test.pair", "pair", "echo").tagFromLibrary().build(home.resolve("plugins/pair/pair.jar"), pair);
        TestNode node = start(Map.of());

        JsonNode caps = node.getJson("/caps");
        assertEquals("loaded", plugin(caps, "pair").get("status").asText(), caps.toPrettyString());
        assertEquals("pair-2", TestNode.json(node.postJson("/v1/capability/echo", "{}").body()).get("tag").asText());
    }

    @Test
    void providerDisabledByEnvironmentIsListedButGivesNoCapability() {
        TestPlugins.provider("test.echo", "echo-one", "echo").build(home.resolve("plugins/echo.jar"));
        TestPlugins.provider("test.other", "other-one", "other").build(home.resolve("plugins/other.jar"));
        TestNode node = start(Map.of("CAPFABRIC_PROVIDERS_ECHO_ONE_ENABLED", "false"));

        JsonNode caps = node.getJson("/caps");
        assertEquals("disabled", provider(caps, "echo-one").get("status").asText());
        assertFalse(hasCapability(caps, "echo"));
        assertTrue(hasCapability(caps, "other"));
    }

    @Test
    void providerDisabledInTheYamlFileIsListedButGivesNoCapability() throws Exception {
        TestPlugins.provider("test.echo", "echo-one", "echo").build(home.resolve("plugins/echo.jar"));
        Files.createDirectories(home.resolve("conf"));
        Files.writeString(home.resolve("conf/capfabric.yaml"), """
                capfabric:
                  providers:
                    echo-one:
                      enabled: false
                """);
        TestNode node = start(Map.of());

        assertEquals("disabled", provider(node.getJson("/caps"), "echo-one").get("status").asText());
    }

    @Test
    void preferenceOrderPicksTheDefaultProviderAndAJobMayNameAnother() {
        TestPlugins.provider("test.a", "aaa", "echo").build(home.resolve("plugins/a.jar"));
        TestPlugins.provider("test.z", "zzz", "echo").build(home.resolve("plugins/z.jar"));
        TestNode node = start(Map.of("CAPFABRIC_PREFERENCES_ECHO", "zzz,aaa"));

        assertEquals(List.of("zzz", "aaa"), ids(node.getJson("/caps").at("/capabilities/echo/providers")));
        assertEquals("zzz", node.postJson("/v1/capability/echo", "{}").headers().firstValue("X-Capfabric-Provider").orElseThrow());
        assertEquals("aaa", node.postJson("/v1/capability/echo?provider=aaa", "{}").headers().firstValue("X-Capfabric-Provider").orElseThrow());
    }

    @Test
    void capsHasExactlyTheDocumentedFields() {
        TestPlugins.provider("test.echo", "echo-one", "echo").models("tiny").languages("en").build(home.resolve("plugins/echo.jar"));
        TestNode node = start(Map.of());

        JsonNode caps = node.getJson("/caps");
        assertEquals(List.of("node_id", "version", "http_url", "started_at", "hardware", "load", "capabilities", "providers", "plugins"), fields(caps));
        assertEquals("plugin-test", caps.get("node_id").asText());
        assertEquals(List.of("cpu_model", "cores", "memory_bytes", "gpus", "os"), fields(caps.get("hardware")));
        assertTrue(caps.at("/hardware/cores").asInt() >= 1);
        assertTrue(caps.at("/hardware/memory_bytes").asLong() > 0);
        assertTrue(caps.at("/hardware/gpus").isArray());
        assertEquals(List.of("cpu", "memory", "queue_depth", "inflight"), fields(caps.get("load")));
        assertEquals(0, caps.at("/load/queue_depth/echo").asInt(-1));
        assertEquals(List.of("tiny"), ids(caps.at("/capabilities/echo/models")));
        assertEquals(List.of("en"), ids(caps.at("/capabilities/echo/languages")));
        JsonNode provider = provider(caps, "echo-one");
        for (String field : List.of("id", "capability", "plugin", "status", "reason", "models", "languages")) {
            assertNotNull(provider.get(field), field);
        }
        assertEquals(List.of("name", "file", "modules", "status", "error"), fields(caps.at("/plugins/0")));
    }

    @Test
    void installedListsPluginJarsWithChecksumsAndScanPaths() throws Exception {
        TestPlugins.provider("test.echo", "echo-one", "echo").build(home.resolve("plugins/echo.jar"));
        Path models = Files.createDirectories(home.resolve("models"));
        Files.writeString(models.resolve("tiny.bin"), "weights");
        TestNode node = start(Map.of("CAPFABRIC_SCAN_PATHS", models.toString()));

        JsonNode installed = node.getJson("/capabilities/installed");
        JsonNode jar = installed.at("/plugins/0");
        assertEquals("echo.jar", jar.get("file").asText());
        assertEquals("test.echo", jar.get("module").asText());
        assertEquals(64, jar.get("sha256").asText().length());
        assertEquals(models.resolve("tiny.bin").toString(), installed.at("/scanned/0/files/0/path").asText());
        assertEquals(7, installed.at("/scanned/0/files/0/bytes").asLong());
    }

    @Test
    void healthSaysReadyOnlyWithAUsableProvider() {
        TestNode node = start(Map.of());
        assertEquals(200, node.get("/health/live").statusCode());
        assertEquals(503, node.get("/health/ready").statusCode());

        TestPlugins.provider("test.echo", "echo-one", "echo").build(home.resolve("plugins/echo.jar"));
        node.awaitCaps(c -> hasCapability(c, "echo"), WAIT, "echo capability");
        assertEquals(200, node.get("/health/ready").statusCode());
    }

    @Test
    void metricsAreInThePrometheusTextFormat() {
        TestPlugins.provider("test.echo", "echo-one", "echo").build(home.resolve("plugins/echo.jar"));
        TestNode node = start(Map.of());
        node.postJson("/v1/capability/echo", "{}");

        HttpResponse<String> metrics = node.get("/metrics");
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("capfabric_plugins_loaded 1.0"), metrics.body());
        assertTrue(metrics.body().contains("capfabric_providers{status=\"usable\"} 1.0"), metrics.body());
        assertTrue(metrics.body().contains("capfabric_jobs_total{capability=\"echo\",outcome=\"served\",provider=\"echo-one\"} 1.0"),
                metrics.body());
    }

    private static JsonNode plugin(JsonNode caps, String name) {
        for (JsonNode plugin : caps.get("plugins")) {
            if (plugin.get("name").asText().equals(name)) {
                return plugin;
            }
        }
        throw new AssertionError("no plugin " + name + " in " + caps.toPrettyString());
    }

    private static List<String> ids(JsonNode array) {
        List<String> ids = new ArrayList<>();
        array.forEach(n -> ids.add(n.asText()));
        return ids;
    }

    private static List<String> fields(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
