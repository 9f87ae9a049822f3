package dev.capfabric.kernel.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.TestPlugins;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP edge against hostile and odd requests, class by class, each with several variants: no
 * request smuggled after an early answer, framing refused with a JSON 4xx and a close, protocol
 * edges answered rather than dropped, {@code Connection: close} honoured, bodies bounded in time.
 */
class HttpEdgeTest {

    private static final Duration QUIET = Duration.ofMillis(700);
    private static final AtomicInteger SMUGGLED = new AtomicInteger();

    @TempDir
    static Path home;
    static TestNode node;

    @BeforeAll
    static void start() {
        TestPlugins.provider("test.echo", "echo-one", "echo").concurrency(4).build(home.resolve("plugins/echo.jar"));
        node = TestNode.start(home, "edge-test", Map.of("CAPFABRIC_HTTP_BODY__IDLE__TIMEOUT__MS", "800"));
        node.awaitCaps(c -> c.at("/capabilities/echo").isObject(), Duration.ofSeconds(20), "echo to load");
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static int port() {
        return node.kernel.port();
    }

    /** A whole request that runs an echo job with a job id of its own, to look for in seen.log. */
    private static String smuggled(String id) {
        return "POST /v1/capability/echo HTTP/1.1\r\nHost: x\r\nX-Capfabric-Job-Id: " + id + "\r\nContent-Length: 2\r\n\r\n{}";
    }

    private static boolean ran(String id) throws IOException {
        Path log = home.resolve("work/data/echo-one/seen.log");
        return Files.exists(log) && Files.readAllLines(log).contains(id);
    }

    /** One JSON error with a status among {@code statuses}, and nothing after it. */
    static JsonNode assertJsonError(RawHttp.Exchange exchange, int... statuses) {
        RawHttp.Response response = exchange.only();
        boolean wanted = false;
        for (int status : statuses) {
            wanted |= response.status() == status;
        }
        assertTrue(wanted, "status " + response.status() + " not among " + java.util.Arrays.toString(statuses) + ": " + exchange);
        assertTrue(response.complete(), "short answer: " + exchange);
        assertTrue(String.valueOf(response.header("content-type")).startsWith("application/json"), "not JSON: " + exchange);
        JsonNode json = TestNode.json(response.text());
        assertTrue(json.at("/error/kind").isTextual() && json.at("/error/message").isTextual(), "not an error body: " + exchange);
        return json;
    }

    static Stream<String> earlyAnswers() {
        return Stream.of(
                "POST /v1/capability/nope HTTP/1.1\r\nHost: x\r\n",                       // 404 unknown capability
                "POST /v1/capability/Bad!Name HTTP/1.1\r\nHost: x\r\n",                   // 404 not a name
                "POST /v1/capability/echo/more HTTP/1.1\r\nHost: x\r\n",                  // 404 path
                "POST /nowhere HTTP/1.1\r\nHost: x\r\n",                                  // 404 outside the API
                "PUT /v1/capability/echo HTTP/1.1\r\nHost: x\r\n",                        // 405
                "DELETE /v1/capability/echo HTTP/1.1\r\nHost: x\r\n",                     // 405
                "POST /caps HTTP/1.1\r\nHost: x\r\n",                                     // a route that ignores bodies
                "POST /v1/capability/echo HTTP/1.1\r\nHost: x\r\nX-Capfabric-Node: Bad Node!\r\n", // 400 after the body
                "POST /v1/capability/echo HTTP/1.1\r\nHost: x\r\nX-Request-Timeout: soon\r\n",    // 400 after the body
                "POST /v1/capability/echo HTTP/1.1\r\nHost: x\r\nX-Request-Timeout: -5\r\n");     // 400 after the body
    }

    @ParameterizedTest
    @MethodSource("earlyAnswers")
    void aBodyAfterAnEarlyAnswerIsNeverRunAsARequest(String head) throws IOException {
        String id = "smuggled-" + SMUGGLED.incrementAndGet();
        String body = smuggled(id);
        RawHttp.Exchange exchange = RawHttp.exchange(port(), head + "Content-Length: " + body.length() + "\r\n\r\n" + body, QUIET);
        assertEquals(1, exchange.responses().size(), "one request, one answer: " + exchange);
        assertFalse(ran(id), "the body ran as a request: " + exchange);
        // chunked: the same body, declared in one chunk
        String chunked = head + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n";
        RawHttp.Exchange second = RawHttp.exchange(port(), chunked.replace(id, id + "c"), QUIET);
        assertEquals(1, second.responses().size(), "one request, one answer: " + second);
        assertFalse(ran(id + "c"), "the chunked body ran as a request: " + second);
    }

    @ParameterizedTest
    @ValueSource(strings = {"PUT /v1/capability/echo", "POST /v1/capability/nope", "POST /caps"})
    void anEarlyAnswerWithTheBodyUnreadClosesTheConnection(String request) throws IOException {
        // declared but not yet sent: the node must not wait for (or drain) it
        RawHttp.Exchange exchange = RawHttp.exchange(port(), request + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\nabc", QUIET);
        assertTrue(exchange.closed(), "connection left open: " + exchange);
        assertEquals(1, exchange.responses().size(), exchange.toString());
    }

    @ParameterizedTest
    @ValueSource(longs = {33_554_433L, 999_999_999_999L, Long.MAX_VALUE})
    void aBodyDeclaredTooLargeIs413AndCloses(long declared) throws IOException {
        String id = "smuggled-" + SMUGGLED.incrementAndGet();
        RawHttp.Exchange exchange = RawHttp.exchange(port(), "POST /v1/capability/echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + declared
                + "\r\n\r\n" + smuggled(id), QUIET);
        assertEquals(413, assertJsonError(exchange, 413).at("/error/kind").asText().equals("too_large") ? 413 : -1);
        assertTrue(exchange.closed(), "open after 413: " + exchange);
        assertFalse(ran(id));
    }

    static Stream<String> refusedBodiesSentWhole() {
        return Stream.of("length:33554433", "length:41000000", "chunked:34000000");
    }

    /**
     * A client that writes its whole body before it reads (as HTTP clients under load do) still reads
     * the 413: the node drains what the client sends after refusing it instead of resetting the
     * connection, which would destroy the answer in flight. Declared sizes and a chunked body that
     * grows past the limit; the client reads only after a pause, once its writing has ended.
     */
    @ParameterizedTest
    @MethodSource("refusedBodiesSentWhole")
    void aRefusedBodySentWholeStillGetsItsAnswer(String variant) throws Exception {
        boolean chunked = variant.startsWith("chunked");
        int size = Integer.parseInt(variant.substring(variant.indexOf(':') + 1));
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port())) {
            var out = socket.getOutputStream();
            var reset = new java.util.concurrent.atomic.AtomicReference<IOException>();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    String head = "POST /v1/capability/echo HTTP/1.1\r\nHost: x\r\n"
                            + (chunked ? "Transfer-Encoding: chunked\r\n\r\n" : "Content-Length: " + size + "\r\n\r\n");
                    out.write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    byte[] block = new byte[1 << 20];
                    java.util.Arrays.fill(block, (byte) 'a');
                    for (int sent = 0; sent < size; sent += block.length) {
                        int n = Math.min(block.length, size - sent);
                        if (chunked) {
                            out.write((Integer.toHexString(n) + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                        }
                        out.write(block, 0, n);
                        if (chunked) {
                            out.write("\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                        }
                    }
                    if (chunked) {
                        out.write("0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    }
                    out.flush();
                } catch (IOException e) {
                    reset.set(e);
                }
            });
            assertTrue(writer.join(Duration.ofSeconds(30)), "the body was never taken");
            Thread.sleep(500); // a client busy elsewhere reads late
            socket.setSoTimeout(10_000);
            byte[] answer = socket.getInputStream().readAllBytes();
            RawHttp.Exchange exchange = RawHttp.parse(answer, true);
            assertEquals("too_large", assertJsonError(exchange, 413).at("/error/kind").asText(), exchange.toString());
            assertEquals(null, reset.get(), "the node reset the connection while the body was sent");
        }
    }

    static Stream<String> transferEncodings() {
        return Stream.of("gzip, chunked", "chunked, identity", "identity", "chunked, chunked", "deflate", "Chunked", "CHUNKED",
                "chunked\r\nTransfer-Encoding: chunked", "x-custom, chunked");
    }

    @ParameterizedTest
    @MethodSource("transferEncodings")
    void aTransferEncodingOtherThanChunkedIsRefusedAndCloses(String encoding) throws IOException {
        String id = "smuggled-" + SMUGGLED.incrementAndGet();
        RawHttp.Exchange exchange = RawHttp.exchange(port(), "POST /v1/capability/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + encoding
                + "\r\n\r\n2\r\n{}\r\n0\r\n\r\n" + smuggled(id), QUIET);
        assertJsonError(exchange, 400, 501);
        assertTrue(exchange.closed(), "open after refusing the framing: " + exchange);
        assertFalse(ran(id));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2", "0", "100"})
    void contentLengthWithTransferEncodingIsRefused(String length) throws IOException {
        String id = "smuggled-" + SMUGGLED.incrementAndGet();
        RawHttp.Exchange exchange = RawHttp.exchange(port(), "POST /v1/capability/echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + length
                + "\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" + smuggled(id), QUIET);
        assertJsonError(exchange, 400);
        assertTrue(exchange.closed());
        assertFalse(ran(id));
    }

    static Stream<String> malformedChunks() {
        return Stream.of("zz\r\n{}\r\n0\r\n\r\n", "-2\r\n{}\r\n0\r\n\r\n", "ffffffffffffffffff\r\n{}\r\n0\r\n\r\n",
                "2;ext=1\r\n{}\r\n0\r\n\r\n", "2;" + "e".repeat(64 * 1024) + "\r\n{}\r\n0\r\n\r\n",
                "\r\n{}\r\n0\r\n\r\n", "0x2\r\n{}\r\n0\r\n\r\n", "2 \r\n{}\r\n0\r\n\r\n", "2\n{}\n0\n\n");
    }

    @ParameterizedTest
    @MethodSource("malformedChunks")
    void malformedChunkedBodiesAre400AndClose(String chunks) throws IOException {
        RawHttp.Exchange exchange = RawHttp.exchange(port(), "POST /v1/capability/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + chunks, QUIET);
        assertJsonError(exchange, 400);
        assertTrue(exchange.closed(), "open after a malformed body: " + exchange);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "0x0d", "13, 13", "+13", "1e3", "13 13", "99999999999999999999999", "", "abc", "-0"})
    void malformedContentLengthIs400AndCloses(String length) throws IOException {
        RawHttp.Exchange exchange = RawHttp.exchange(port(), "POST /v1/capability/echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + length
                + "\r\n\r\n{\"text\":\"hello\"}", QUIET);
        assertJsonError(exchange, 400, 413);
        assertTrue(exchange.closed());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 100, 70_000})
    void aBodyShorterThanDeclaredThenCloseIs400(int sent) throws IOException {
        try (RawHttp http = new RawHttp(port())) {
            http.send("POST /v1/capability/echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + (sent + 500) + "\r\n\r\n" + "a".repeat(sent)).halfClose();
            assertJsonError(http.read(QUIET.multipliedBy(3)), 400);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 10, 100_000})
    void aBodyThatStallsIs408AndCloses(int sent) throws IOException {
        try (RawHttp http = new RawHttp(port())) {
            long started = System.nanoTime();
            http.send("POST /v1/capability/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n" + "a".repeat(sent));
            RawHttp.Exchange exchange = http.read(Duration.ofSeconds(5));
            assertJsonError(exchange, 408);
            assertTrue(exchange.closed());
            assertTrue(System.nanoTime() - started < Duration.ofSeconds(4).toNanos());
        }
    }

    static Stream<List<Object>> protocolEdges() {
        return Stream.of(
                List.of("GET /caps HTTP/1.0\r\n\r\n", 200),
                List.of("GET /caps HTTP/1.0\r\nHost: x\r\n\r\n", 200),
                List.of("GET /caps HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 200),
                List.of("\r\nGET /caps HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200),
                List.of("\r\n\r\nGET /caps HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200),
                List.of("GET /caps HTTP/1.1\nHost: x\n\n", 400),
                List.of("GET /caps HTTP/1.1\r\nHost: x\nX: y\r\n\r\n", 400),
                List.of("GET /caps HTTP/2.0\r\nHost: x\r\n\r\n", 505),
                List.of("GET /caps HTTP/1.2\r\nHost: x\r\n\r\n", 505),
                List.of("GET /caps\r\n\r\n", 400),
                List.of("GET  /caps HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                List.of("G\u0001T /caps HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                List.of("\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003\r\n\r\n", 400),
                List.of("GET /caps?q=" + "%41".repeat(3000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414),
                List.of("GET /caps?" + "a=1&".repeat(3000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414),
                List.of("GET /v1/capability/" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414),
                List.of("GET /caps?q=%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                List.of("GET /caps?q=%4 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                List.of("GET /caps?q=\u0001 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                List.of("GET /caps?q=\u007f HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                List.of("GET /caps HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n", 400),
                List.of("GET /caps HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 400),
                List.of("GET /caps HTTP/1.1\r\nHost: x\r\n X: folded\r\n\r\n", 400),
                List.of("GET /caps HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(40_000) + "\r\n\r\n", 431),
                List.of("GET /caps HTTP/1.1\r\n\r\n", 400),
                List.of("GET /caps HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400));
    }

    @ParameterizedTest
    @MethodSource("protocolEdges")
    void protocolEdgesAreAnsweredNotDropped(List<Object> edge) throws IOException {
        String request = (String) edge.get(0);
        int status = (Integer) edge.get(1);
        RawHttp.Exchange exchange = RawHttp.exchange(port(), request, QUIET);
        if (status == 200) {
            assertEquals(200, exchange.only().status(), exchange.toString());
            assertTrue(exchange.only().complete());
            assertTrue(exchange.closed(), "asked to close (or HTTP/1.0): " + exchange);
        } else {
            int[] allowed = status == 505 ? new int[]{505, 400} : new int[]{status};
            assertJsonError(exchange, allowed);
            assertTrue(exchange.closed(), exchange.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"close", "Close", "keep-alive, close", "CLOSE"})
    void connectionCloseIsHonouredAndWhatFollowsIsNotRun(String value) throws IOException {
        String id = "smuggled-" + SMUGGLED.incrementAndGet();
        RawHttp.Exchange get = RawHttp.exchange(port(), "GET /caps HTTP/1.1\r\nHost: x\r\nConnection: " + value + "\r\n\r\n" + smuggled(id), QUIET);
        assertEquals(200, get.only().status(), get.toString());
        assertTrue(get.closed(), "open after Connection: close: " + get);
        RawHttp.Exchange job = RawHttp.exchange(port(), "POST /v1/capability/echo HTTP/1.1\r\nHost: x\r\nConnection: " + value
                + "\r\nContent-Length: 2\r\n\r\n{}" + smuggled(id + "b"), QUIET);
        assertEquals(200, job.only().status(), job.toString());
        assertTrue(job.closed());
        assertFalse(ran(id) || ran(id + "b"));
    }

    @Test
    void keptAliveConnectionsStillServeManyRequestsAndPipelines() throws IOException {
        try (RawHttp http = new RawHttp(port())) {
            for (int i = 0; i < 5; i++) {
                http.send("POST /v1/capability/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"text\":\"" + i + "\"}");
                assertEquals(200, http.readOne(Duration.ofSeconds(10)).status());
            }
            http.send(smuggled("pipelined-a") + smuggled("pipelined-b") + "GET /caps HTTP/1.1\r\nHost: x\r\n\r\n");
            for (int i = 0; i < 3; i++) {
                assertEquals(200, http.readOne(Duration.ofSeconds(10)).status());
            }
        }
        assertTrue(ran("pipelined-a") && ran("pipelined-b"));
    }
}
