package dev.capfabric.kernel.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.TestPlugins;
import dev.capfabric.kernel.edge.RawHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenAI-shaped routes read their bodies as {@code POST /v1/capability/<cap>} does (the edge's
 * {@code RequestBodies}): above the capability's limit, declared or sent, 413; a body that stalls,
 * 408; one that ends early, 400; each in OpenAI's error shape and closing the connection.
 */
class FrontDoorBodyTest {

    private static final int LIMIT = 2000;
    private static final Duration QUIET = Duration.ofMillis(700);

    @TempDir
    static Path home;
    static TestNode node;

    @BeforeAll
    static void start() {
        TestPlugins.provider("test.paint", "paint", "image").answers("image/png").build(home.resolve("plugins/paint.jar"));
        node = TestNode.start(home, "front-door-body", Map.of(
                "CAPFABRIC_HTTP_BODY__IDLE__TIMEOUT__MS", "800",
                "CAPFABRIC_DISPATCH_CAPABILITIES_IMAGE_MAX__BODY__BYTES", String.valueOf(LIMIT),
                "CAPFABRIC_DISPATCH_CAPABILITIES_TTS_MAX__BODY__BYTES", String.valueOf(LIMIT),
                "CAPFABRIC_DISPATCH_CAPABILITIES_STT_MAX__BODY__BYTES", String.valueOf(LIMIT),
                "CAPFABRIC_DISPATCH_CAPABILITIES_OCR_MAX__BODY__BYTES", String.valueOf(LIMIT)));
        node.awaitCaps(c -> c.at("/capabilities/image").isObject(), Duration.ofSeconds(20), "the image provider to load");
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static String head(String route, String framing) {
        String type = route.equals("/v1/audio/transcriptions") ? "multipart/form-data; boundary=xyz" : "application/json";
        return "POST " + route + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + type + "\r\n" + framing + "\r\n";
    }

    /** One answer in OpenAI's error shape, with this status and code, and the connection closed after it. */
    private static JsonNode assertOpenAiError(RawHttp.Exchange exchange, int status, String code) {
        RawHttp.Response response = exchange.only();
        assertEquals(status, response.status(), exchange.toString());
        assertTrue(String.valueOf(response.header("content-type")).startsWith("application/json"), exchange.toString());
        JsonNode error = TestNode.json(response.text()).get("error");
        assertTrue(error.get("message").isTextual() && error.get("type").isTextual() && error.has("param") && error.has("code"),
                exchange.toString());
        assertEquals(code, error.get("code").asText(), exchange.toString());
        assertEquals("false", response.header("x-should-retry"), exchange.toString());
        assertTrue(exchange.closed(), "connection left open: " + exchange);
        return error;
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/images/generations", "/v1/audio/speech", "/v1/audio/transcriptions", "/v1/ocr"})
    void aBodyDeclaredAboveTheLimitIs413AndItsBytesAreNeverRead(String route) throws IOException {
        RawHttp.Exchange exchange = RawHttp.exchange(node.kernel.port(), head(route, "Content-Length: " + (LIMIT + 1) + "\r\n")
                + "{\"prompt\":\"", QUIET);
        JsonNode error = assertOpenAiError(exchange, 413, "request_too_large");
        assertEquals("invalid_request_error", error.get("type").asText());
        assertTrue(error.get("message").asText().contains("max-body-bytes"), error.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/images/generations", "/v1/audio/speech", "/v1/audio/transcriptions", "/v1/ocr"})
    void aChunkedBodyThatGrowsAboveTheLimitIs413(String route) throws IOException {
        String chunk = "a".repeat(1500);
        String chunks = (Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n").repeat(3) + "0\r\n\r\n";
        RawHttp.Exchange exchange = RawHttp.exchange(node.kernel.port(), head(route, "Transfer-Encoding: chunked\r\n") + chunks, QUIET);
        assertOpenAiError(exchange, 413, "request_too_large");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/images/generations", "/v1/audio/transcriptions"})
    void aBodyThatStallsIs408(String route) throws IOException {
        try (RawHttp client = new RawHttp(node.kernel.port())) {
            client.send(head(route, "Content-Length: 500\r\n") + "{\"prompt\":");
            RawHttp.Exchange exchange = client.read(Duration.ofSeconds(5));
            assertOpenAiError(exchange, 408, "request_timeout");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/images/generations", "/v1/audio/speech"})
    void aBodyShorterThanDeclaredIs400(String route) throws IOException {
        try (RawHttp client = new RawHttp(node.kernel.port())) {
            client.send(head(route, "Content-Length: 500\r\n") + "{\"prompt\":\"a fox\"}").halfClose();
            assertOpenAiError(client.read(QUIET), 400, "invalid_request");
        }
    }

    @Test
    void aBodyWithinTheLimitIsServedAndTheConnectionKeptForTheNext() throws IOException {
        String body = "{\"model\":\"paint\",\"prompt\":\"" + "a fox ".repeat(300) + "\",\"response_format\":\"b64_json\"}";
        assertTrue(body.length() < LIMIT);
        try (RawHttp client = new RawHttp(node.kernel.port())) {
            for (int i = 0; i < 2; i++) {
                client.send(head("/v1/images/generations", "Content-Length: " + body.length() + "\r\n") + body);
                RawHttp.Response response = client.readOne(Duration.ofSeconds(20));
                assertEquals(200, response.status(), response.text());
                assertEquals("paint", response.header("x-capfabric-provider"));
            }
        }
    }
}
