package dev.capfabric.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.plugins.LanguageTags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code /caps} and the node records as people read them. */
class CapsReadabilityTest {

    @TempDir
    Path home;

    private final List<TestNode> nodes = new ArrayList<>();

    @AfterEach
    void stopNodes() {
        nodes.forEach(TestNode::close);
    }

    private TestNode start(Map<String, String> env) {
        TestPlugins.provider("test.speak_a", "speak-a", "speak").languages("en-us", "en-US", "EN_gb", "de", "zh-hant-tw", "en-gb-x-rp")
                .voices("Alice", "bob").build(home.resolve("plugins/speak-a.jar"));
        TestPlugins.provider("test.speak_b", "speak-b", "speak").languages("en_US", "DE", "fr-ca").voices("carol")
                .build(home.resolve("plugins/speak-b.jar"));
        TestNode node = TestNode.start(home, "readable", env);
        nodes.add(node);
        node.awaitCaps(caps -> caps.at("/capabilities/speak/providers").size() == 2, Duration.ofSeconds(10), "both providers");
        return node;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void languagesAreShownOnceEachInBcp47Case() {
        TestNode node = start(Map.of());
        JsonNode caps = node.getJson("/caps");
        assertEquals(List.of("en-US", "en-GB", "de", "zh-Hant-TW", "en-GB-x-rp", "fr-CA"), texts(caps.at("/capabilities/speak/languages")));
        assertEquals(List.of("en-US", "en-GB", "de", "zh-Hant-TW", "en-GB-x-rp"), texts(TestNode.provider(caps, "speak-a").get("languages")));
        assertEquals(List.of("en-US", "de", "fr-CA"), texts(TestNode.provider(caps, "speak-b").get("languages")));
        assertEquals("cmn", LanguageTags.normalise("CMN"));
        assertEquals("sr-Latn-RS", LanguageTags.normalise("SR_latn_rs"));
        assertEquals("es-419", LanguageTags.normalise("es-419"));
    }

    @Test
    void prettyIsIndentedAndTheSameJson() {
        TestNode node = start(Map.of());
        for (String path : List.of("/caps", "/v1/nodes", "/v1/capabilities", "/capabilities/installed")) {
            HttpResponse<String> compact = node.get(path);
            HttpResponse<String> pretty = node.get(path + "?pretty");
            assertEquals(200, pretty.statusCode(), path);
            assertFalse(compact.body().contains("\n"), path + " is compact by default");
            assertTrue(pretty.body().contains("\n  \""), path + "?pretty is indented: " + pretty.body().substring(0, 40));
            assertEquals(TestNode.json(compact.body()).get("node_id"), TestNode.json(pretty.body()).get("node_id"));
            assertFalse(node.get(path + "?pretty=false").body().contains("\n"));
        }
    }

    @Test
    void voicesAndTheHttpUrlAreInEveryNodeRecord() {
        TestNode node = start(Map.of());
        String url = "http://127.0.0.1:" + node.kernel.port();
        assertEquals(url, node.getJson("/caps").get("http_url").asText());
        JsonNode listed = node.getJson("/v1/nodes").at("/nodes/0");
        assertEquals(url, listed.get("http_url").asText());
        assertEquals(List.of("Alice", "bob", "carol"), texts(listed.at("/capabilities/speak/voices")));
        JsonNode global = node.getJson("/v1/capabilities").at("/nodes/readable");
        assertEquals(url, global.get("http_url").asText());
        assertEquals(List.of("Alice", "bob", "carol"), texts(global.at("/capabilities/speak/voices")));
    }

    @Test
    void theAdvertisedUrlIsConfigurableAndChecked() {
        TestNode node = start(Map.of("CAPFABRIC_ADVERTISED_URL", "https://speech.example.net:8443/"));
        assertEquals("https://speech.example.net:8443", node.getJson("/caps").get("http_url").asText());
        assertEquals("https://speech.example.net:8443", node.getJson("/v1/nodes").at("/nodes/0/http_url").asText());
        for (String bad : List.of("speech.example.net:8443", "ftp://x/", "http://")) {
            try {
                TestNode other = TestNode.start(home.resolve("bad"), "bad", Map.of("CAPFABRIC_ADVERTISED_URL", bad));
                nodes.add(other);
                throw new AssertionError("'" + bad + "' was taken as an advertised URL");
            } catch (dev.capfabric.kernel.config.InvalidSettingsException expected) {
                assertTrue(expected.getMessage().contains("advertised-url"), expected.getMessage());
            }
        }
    }
}
