package dev.capfabric.kernel;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A provider's {@code maxInputBytes} is enforced: a larger input is refused with 413 {@code too_large},
 * before the body is read past the limit; the limit is that of the largest usable provider the job
 * could go to.
 */
class InputLimitTest {

    private static final int SMALL = 64 * 1024;
    private static final int LARGE = 1024 * 1024;

    @TempDir
    Path home;

    private final List<TestNode> nodes = new ArrayList<>();

    @AfterEach
    void stopNodes() {
        nodes.forEach(TestNode::close);
    }

    private TestNode start(boolean withLarge) {
        TestPlugins.provider("test.small", "echo-small", "echo").maxInputBytes(SMALL).build(home.resolve("plugins/small.jar"));
        if (withLarge) {
            TestPlugins.provider("test.large", "echo-large", "echo").maxInputBytes(LARGE).build(home.resolve("plugins/large.jar"));
        }
        // the small provider is preferred: only the input size may send a job to the other
        TestNode node = TestNode.start(home, "limits", Map.of("CAPFABRIC_PREFERENCES_ECHO", "echo-small,echo-large"));
        nodes.add(node);
        return node;
    }

    private static void assertTooLarge(HttpResponse<String> response, long limit) {
        assertEquals(413, response.statusCode(), response.body());
        assertEquals("too_large", TestNode.json(response.body()).at("/error/kind").asText(), response.body());
        assertTrue(response.body().contains(String.valueOf(limit)), "the answer names the limit: " + response.body());
    }

    @Test
    void bodiesAboveTheOnlyProvidersLimitAreRefusedAndUpToItServed() {
        TestNode node = start(false);
        assertTooLarge(node.post("/v1/capability/echo", "application/octet-stream", new byte[80 * 1024]), SMALL);
        assertTooLarge(node.post("/v1/capability/echo", "application/octet-stream", new byte[SMALL + 1]), SMALL);
        // chunked: no Content-Length, so the edge reads up to the limit and stops there
        HttpResponse<String> chunked = node.send(HttpRequest.newBuilder(node.uri("/v1/capability/echo"))
                .header("Content-Type", "application/octet-stream").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(new byte[80 * 1024]))).build());
        assertTooLarge(chunked, SMALL);
        HttpResponse<String> fits = node.post("/v1/capability/echo", "application/octet-stream", new byte[SMALL]);
        assertEquals(200, fits.statusCode(), fits.body());
    }

    @Test
    void anOversizedBodyIsRefusedBeforeItIsSent() throws Exception {
        TestNode node = start(false);
        try (Socket socket = new Socket("127.0.0.1", node.kernel.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            // the headers promise 80 KB; not one byte of the body follows, yet the answer comes
            out.write(("POST /v1/capability/echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: 81920\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 413", status);
        }
    }

    @Test
    void aBodyTooLargeForThePreferredProviderGoesToOneThatTakesIt() {
        TestNode node = start(true);
        HttpResponse<String> served = node.post("/v1/capability/echo", "application/octet-stream", new byte[80 * 1024]);
        assertEquals(200, served.statusCode(), served.body());
        assertEquals("echo-large", served.headers().firstValue("X-Capfabric-Provider").orElseThrow());
        HttpResponse<String> small = node.post("/v1/capability/echo", "application/octet-stream", new byte[100]);
        assertEquals("echo-small", small.headers().firstValue("X-Capfabric-Provider").orElseThrow(), "preference still holds");

        // naming the small provider, in the query or in a JSON body, brings back its limit
        assertTooLarge(node.post("/v1/capability/echo?provider=echo-small", "application/octet-stream", new byte[80 * 1024]), SMALL);
        String json = "{\"provider\":\"echo-small\",\"text\":\"" + "x".repeat(80 * 1024) + "\"}";
        assertTooLarge(node.postJson("/v1/capability/echo", json), SMALL);
        assertTooLarge(node.post("/v1/capability/echo", "application/octet-stream", new byte[LARGE + 1]), LARGE);
    }
}
