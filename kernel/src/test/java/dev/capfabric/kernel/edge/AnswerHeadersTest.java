package dev.capfabric.kernel.edge;

import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.TestPlugins;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Text a plugin puts in an answer header (its result's media type) cannot split the answer or add headers:
 * the node checks answer headers itself ({@code AnswerHeaders}; Helidon's own check is off), and drops a
 * header that holds a control character or a character past Latin-1. Each capability's provider answers
 * one such media type.
 */
class AnswerHeadersTest {

    private static final Duration QUIET = Duration.ofMillis(500);
    private static final Map<String, String> ANSWERED = Map.of(
            "crlf", "text/plain\r\nX-Injected: yes",
            "lf", "text/plain\nX-Injected: yes",
            "cr", "text/plain\rX-Injected: yes",
            "nul", "text/plain\0",
            "del", "text/plain\u007f",
            "wide", "text/plain; name=\u2603",
            "good", "text/plain; charset=utf-8");

    @TempDir
    static Path home;
    static TestNode node;

    @BeforeAll
    static void start() {
        ANSWERED.forEach((name, mediaType) -> TestPlugins.provider("test.answer" + name, "answer-" + name, "answer-" + name)
                .answers(mediaType).build(home.resolve("plugins/answer-" + name + ".jar")));
        node = TestNode.start(home, "headers-test", Map.of());
        node.awaitCaps(c -> ANSWERED.keySet().stream().allMatch(name -> c.at("/capabilities/answer-" + name).isObject()),
                Duration.ofSeconds(30), "the answering plugins to load");
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static RawHttp.Exchange run(String capability) throws IOException {
        return RawHttp.exchange(node.kernel.port(), "POST /v1/capability/" + capability + " HTTP/1.1\r\nHost: x\r\n"
                + "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi", QUIET);
    }

    @ParameterizedTest
    @ValueSource(strings = {"crlf", "lf", "cr", "nul", "del", "wide"})
    void aMediaTypeThatIsNoHeaderValueIsDroppedAndTheAnswerStaysWhole(String name) throws IOException {
        RawHttp.Exchange exchange = run("answer-" + name);
        RawHttp.Response answer = exchange.only();
        assertEquals(200, answer.status(), exchange.toString());
        assertTrue(answer.complete(), "short answer: " + exchange);
        assertEquals("answer-" + name + " on headers-test", answer.text(), exchange.toString());
        assertNull(answer.header("x-injected"), "a plugin added a header: " + exchange);
        assertFalse(String.valueOf(answer.header("content-type")).startsWith("text/plain"),
                "the unsafe media type was written: " + exchange);
        assertEquals("answer-" + name, answer.header("x-capfabric-provider"), "the other headers stay: " + exchange);
        assertEquals(0, exchange.rest().length, "bytes after the answer: " + exchange);
    }

    @Test
    void aMediaTypeThatIsAHeaderValueIsKept() throws IOException {
        RawHttp.Response answer = run("answer-good").only();
        assertEquals(200, answer.status());
        assertEquals("text/plain; charset=utf-8", answer.header("content-type"));
        assertEquals("answer-good on headers-test", new String(answer.body(), StandardCharsets.UTF_8));
    }

    @Test
    void theNodeServesOnAfterDroppingHeaders() throws IOException {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, run("answer-crlf").only().status());
        }
        assertEquals(200, run("answer-good").only().status());
    }
}
