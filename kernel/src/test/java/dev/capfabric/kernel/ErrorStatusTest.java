package dev.capfabric.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Statuses a caller's retry logic depends on (a node running alone): a permanent refusal is a 4xx
 * without {@code Retry-After}, a transient one 503 with it; media types and sizes get their own
 * statuses; error messages do not carry parser internals; binary results carry their metadata.
 */
class ErrorStatusTest {

    @TempDir
    Path home;

    private final List<TestNode> nodes = new ArrayList<>();

    @AfterEach
    void stopNodes() {
        nodes.forEach(TestNode::close);
    }

    private TestNode start() {
        TestPlugins.provider("test.speak", "speak-one", "speak").models("small").languages("en-US", "de")
                .voices("Alice", "bob").accepts("application/json", "text/plain").build(home.resolve("plugins/speak.jar"));
        TestPlugins.provider("test.listen", "listen-one", "listen").accepts("audio/*", "image/png")
                .build(home.resolve("plugins/listen.jar"));
        TestPlugins.provider("test.down", "down-one", "sick").healthDown("backend restarting")
                .build(home.resolve("plugins/down.jar"));
        TestPlugins.provider("test.echo", "echo-one", "echo").build(home.resolve("plugins/echo.jar"));
        TestNode node = TestNode.start(home, "errors-test");
        nodes.add(node);
        node.awaitCaps(caps -> caps.at("/capabilities/speak").isObject() && caps.at("/capabilities/listen").isObject()
                && caps.at("/capabilities/echo").isObject(), java.time.Duration.ofSeconds(10), "plugins loaded");
        return node;
    }

    @Test
    void whatNoProviderOffersIs422WithoutRetryAfter() {
        TestNode node = start();
        for (String query : List.of("model=huge", "language=fr", "voice=carol", "model=small&language=xx", "language=en-GB")) {
            HttpResponse<String> response = node.postJson("/v1/capability/speak?" + query, "{\"text\":\"hi\"}");
            assertEquals(422, response.statusCode(), query + " → " + response.body());
            assertTrue(response.headers().firstValue("Retry-After").isEmpty(), query + ": a permanent refusal has no Retry-After");
            JsonNode error = TestNode.json(response.body()).get("error");
            assertEquals("not_offered", error.get("kind").asText(), query);
            assertTrue(error.at("/details/offered/models").toString().contains("small"), response.body());
        }
        // what is offered, in any case and with _ for -, and a bare language for a regional one
        for (String query : List.of("model=small", "language=en-us", "language=EN_us", "language=en", "language=DE", "voice=alice", "voice=Bob")) {
            HttpResponse<String> response = node.postJson("/v1/capability/speak?" + query, "{\"text\":\"hi\"}");
            assertEquals(200, response.statusCode(), query + " → " + response.body());
        }
    }

    @Test
    void transientRefusalsAre503WithRetryAfter() {
        TestNode node = start();
        HttpResponse<String> down = node.postJson("/v1/capability/sick", "{}");
        assertEquals(503, down.statusCode(), down.body());
        assertTrue(down.headers().firstValue("Retry-After").isPresent(), "a provider that is down now may be back: " + down.headers());
        // a model asked of a capability whose only provider is down: not known to be permanent
        HttpResponse<String> downModel = node.postJson("/v1/capability/sick?model=any", "{}");
        assertEquals(503, downModel.statusCode(), downModel.body());
        assertTrue(downModel.headers().firstValue("Retry-After").isPresent());
    }

    @Test
    void mediaTypeNoProviderTakesIs415ListingWhatItTakes() {
        TestNode node = start();
        byte[] form = "--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc\r\n--x--\r\n".getBytes(StandardCharsets.US_ASCII);
        List<String[]> cases = List.of(
                new String[]{"speak", "multipart/form-data; boundary=x"},
                new String[]{"speak", "audio/wav"},
                new String[]{"speak", "application/x-www-form-urlencoded"},
                new String[]{"listen", "multipart/form-data; boundary=x"},
                new String[]{"listen", "image/jpeg"},
                new String[]{"listen", "text/plain"});
        for (String[] c : cases) {
            HttpResponse<String> response = node.post("/v1/capability/" + c[0], c[1], form);
            assertEquals(415, response.statusCode(), c[0] + " " + c[1] + " → " + response.body());
            JsonNode error = TestNode.json(response.body()).get("error");
            assertEquals("unsupported_media_type", error.get("kind").asText());
            assertTrue(error.at("/details/accepts").isArray() && !error.at("/details/accepts").isEmpty(), response.body());
            assertTrue(response.headers().firstValue("Retry-After").isEmpty());
        }
        assertEquals(200, node.post("/v1/capability/listen", "audio/wav", form).statusCode(), "audio/* takes audio/wav");
        assertEquals(200, node.post("/v1/capability/listen", "Image/PNG; charset=x", form).statusCode(), "types match regardless of case");
        assertEquals(200, node.post("/v1/capability/listen", "application/octet-stream", form).statusCode(),
                "a body of unstated type is the provider's to judge");
        assertEquals(200, node.post("/v1/capability/speak?text=hi", "application/x-www-form-urlencoded", new byte[0]).statusCode(),
                "an empty body has no type to refuse");
        assertEquals(200, node.post("/v1/capability/echo", "multipart/form-data; boundary=x", form).statusCode(),
                "a provider that lists no types takes any");
    }

    @Test
    void malformedJsonIsDescribedWithoutParserInternals() {
        TestNode node = start();
        for (String body : List.of("{\"text\": ", "{\"a\":1}}", "{'a': 1}", "{\"a\": tru}", "{\"a\":\"\\x\"}", "{\"a\": [1,}", "\u0000")) {
            HttpResponse<String> response = node.postJson("/v1/capability/echo", body);
            assertEquals(400, response.statusCode(), body + " → " + response.body());
            String message = TestNode.json(response.body()).at("/error/message").asText();
            assertTrue(message.startsWith("malformed JSON"), message);
            for (String internal : List.of("Source", "REDACTED", "com.fasterxml", "jackson", "Jackson", "marker", "StreamReadFeature", "token")) {
                assertFalse(message.contains(internal), "'" + message + "' names parser internals (" + internal + ")");
            }
        }
        String where = TestNode.json(node.postJson("/v1/capability/echo", "{\n  \"a\": tru\n}").body()).at("/error/message").asText();
        assertTrue(where.contains("line 2"), where);
    }

    @Test
    void binaryResultsCarryTheirMetadataAndJobIdInHeaders() throws Exception {
        TestNode node = start();
        HttpResponse<String> plain = node.post("/v1/capability/echo?echo_bytes=1&meta_voice=kal&meta_sample_rate=16000", "audio/wav",
                new byte[]{1, 2, 3});
        assertEquals(200, plain.statusCode(), plain.body());
        JsonNode metadata = TestNode.json(plain.headers().firstValue("X-Capfabric-Metadata").orElseThrow());
        assertEquals(3, metadata.get("bytes").asInt());
        assertEquals("kal", metadata.get("voice").asText());
        assertEquals("16000", metadata.get("sample_rate").asText());
        assertFalse(plain.headers().firstValue("X-Capfabric-Job-Id").orElseThrow().isBlank());

        // not ASCII: escaped, so the header stays valid and decodes to the same text
        String word = "Grüße, 東京 ✓";
        HttpResponse<String> unicode = node.post("/v1/capability/echo?echo_bytes=1&meta_text="
                + java.net.URLEncoder.encode(word, StandardCharsets.UTF_8), "audio/wav", new byte[]{1});
        String header = unicode.headers().firstValue("X-Capfabric-Metadata").orElseThrow();
        assertTrue(header.chars().allMatch(c -> c >= 0x20 && c < 0x7f), header);
        assertEquals(word, TestNode.json(header).get("text").asText());

        // too large for a header: the largest values are left out and named
        String big = "x".repeat(20_000);
        HttpResponse<String> huge = node.send(java.net.http.HttpRequest.newBuilder(node.uri("/v1/capability/echo?echo_bytes=1&meta_small=s"))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"meta_big\": \"" + big + "\"}")).build());
        assertEquals(200, huge.statusCode(), huge.body());
        JsonNode cut = TestNode.json(huge.headers().firstValue("X-Capfabric-Metadata").orElseThrow());
        assertEquals("s", cut.get("small").asText());
        assertFalse(cut.has("big"));
        assertEquals("big", cut.at("/_omitted/0").asText());

        // a JSON result is its metadata: no header needed
        HttpResponse<String> json = node.postJson("/v1/capability/echo", "{}");
        assertTrue(json.headers().firstValue("X-Capfabric-Metadata").isEmpty());
        assertFalse(json.headers().firstValue("X-Capfabric-Job-Id").orElseThrow().isBlank());
    }

    @Test
    void permanentRefusalsAreNotRetriedByTheOfficialOpenAiClient() throws Exception {
        TestNode node = start();
        String script = """
                const OpenAI = require('openai');
                let calls = 0;
                const client = new OpenAI({baseURL: process.argv[1] + '/v1', apiKey: 'none', maxRetries: 2,
                    fetch: (url, init) => { calls++; return fetch(url, init); }});
                (async () => {
                  const out = [];
                  for (const query of ['model=huge', 'language=fr', 'voice=carol']) {
                    calls = 0;
                    let status = 0;
                    try { await client.post('/capability/speak?' + query, {body: {text: 'hi'}}); }
                    catch (e) { status = e.status; }
                    out.push(query + ' ' + status + ' ' + calls);
                  }
                  console.log(out.join('\\n'));
                })();
                """;
        List<String> lines = NodeScripts.run(script, List.of("http://127.0.0.1:" + node.kernel.port()), java.time.Duration.ofSeconds(30));
        assertEquals(List.of("model=huge 422 1", "language=fr 422 1", "voice=carol 422 1"), lines);
    }
}
