package dev.capfabric.kernel;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Accept: text/event-stream} on {@code /v1/capability/<cap>}: a provider's progress and partial
 * results reach the caller as they are made, then one result or error event; a caller that leaves
 * cancels the job; a caller that asks for no events gets the one answer it always got.
 */
class StreamingTest {

    @TempDir
    Path home;

    private TestNode node;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        TestPlugins.provider("test.pieces", "pieces-one", "pieces").concurrency(2).build(home.resolve("plugins/pieces.jar"));
        node = TestNode.start(home, "streaming-test");
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private List<SseEvents.Received> stream(String query, String accept) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(node.uri("/v1/capability/pieces" + query))
                .header("Accept", accept).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("hello")).timeout(Duration.ofSeconds(30)).build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"),
                response.headers().toString());
        assertTrue(response.headers().firstValue("X-Capfabric-Job-Id").isPresent());
        try (InputStream in = response.body()) {
            return SseEvents.read(in, 1000);
        }
    }

    @ParameterizedTest
    @CsvSource({"text/event-stream", "'text/event-stream, application/json;q=0.5'", "TEXT/EVENT-STREAM"})
    void partialsArriveAsTheyAreMadeThenTheResult(String accept) throws Exception {
        long asked = System.nanoTime();
        List<SseEvents.Received> events = stream("?pieces=5&piece_ms=150", accept);
        List<String> names = events.stream().map(SseEvents.Received::name).toList();
        assertEquals(List.of("progress", "partial", "progress", "partial", "progress", "partial", "progress", "partial",
                "progress", "partial", "result"), names);
        List<SseEvents.Received> partials = events.stream().filter(e -> e.name().equals("partial")).toList();
        for (int i = 0; i < partials.size(); i++) {
            var data = partials.get(i).data();
            assertEquals(i, data.get("index").asInt());
            assertEquals("piece-" + i, new String(Base64.getDecoder().decode(data.get("data").asText()), StandardCharsets.UTF_8));
            assertTrue(data.get("media_type").asText().startsWith("text/plain"));
            assertTrue(data.get("metadata").get("streaming").asBoolean(), "the provider saw a follower");
        }
        assertEquals(1.0, events.get(8).data().get("fraction").asDouble(), 1e-9);
        assertEquals("piece 4", events.get(8).data().get("message").asText());
        // the first piece came while four more were still 600 ms of work away
        SseEvents.Received result = events.getLast();
        long firstAfter = partials.getFirst().atNanos() - asked;
        long resultAfter = result.atNanos() - asked;
        assertTrue(result.atNanos() - partials.getFirst().atNanos() > Duration.ofMillis(400).toNanos(),
                "first partial at " + firstAfter / 1_000_000 + " ms, result at " + resultAfter / 1_000_000 + " ms");
        assertEquals("streaming-test", result.data().get("node").asText());
        assertEquals("pieces-one", result.data().get("provider").asText());
        assertTrue(result.data().has("metadata"));
    }

    @Test
    void withoutAskingForEventsTheAnswerIsTheUsualOneAndTheProviderSeesNoFollower() {
        var response = node.post("/v1/capability/pieces?pieces=3", "text/plain", "hi".getBytes(StandardCharsets.UTF_8));
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        assertEquals("hi", TestNode.json(response.body()).get("input").asText());
    }

    @ParameterizedTest
    @CsvSource({"fail=bad_input,400,bad_input", "fail=unavailable,503,unavailable", "throw=yes,500,internal"})
    void aFailedJobEndsTheStreamWithAnErrorEvent(String param, int status, String kind) throws Exception {
        List<SseEvents.Received> events = stream("?pieces=2&" + param, "text/event-stream");
        assertEquals(List.of("progress", "partial", "progress", "partial", "error"),
                events.stream().map(SseEvents.Received::name).toList());
        var error = events.getLast().data();
        assertEquals(status, error.get("status").asInt());
        assertEquals(kind, error.get("error").get("kind").asText());
        assertFalse(error.get("error").get("message").asText().isBlank());
    }

    @Test
    void refusalsBeforeTheJobRunsStayPlainJsonErrors() throws Exception {
        for (String path : List.of("/v1/capability/nosuch", "/v1/capability/NOT_A_NAME")) {
            HttpRequest request = HttpRequest.newBuilder(node.uri(path)).header("Accept", "text/event-stream")
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(404, response.statusCode(), path);
            assertEquals("not_found", TestNode.json(response.body()).get("error").get("kind").asText());
        }
        HttpRequest badTimeout = HttpRequest.newBuilder(node.uri("/v1/capability/pieces")).header("Accept", "text/event-stream")
                .header("X-Request-Timeout", "soon").POST(HttpRequest.BodyPublishers.ofString("x")).build();
        HttpResponse<String> response = http.send(badTimeout, HttpResponse.BodyHandlers.ofString());
        assertEquals(400, response.statusCode());
        assertEquals("bad_input", TestNode.json(response.body()).get("error").get("kind").asText());
    }

    @Test
    void aClientThatLeavesMidStreamCancelsTheJob() throws Exception {
        Path cancelled = home.resolve("work/data/pieces-one/cancelled.log");
        String id;
        try (Socket socket = new Socket("127.0.0.1", node.kernel.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/capability/pieces?pieces=200&piece_ms=50 HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
                    + "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String jobId = null;
            for (String line = reader.readLine(); !line.isEmpty(); line = reader.readLine()) {
                if (line.toLowerCase().startsWith("x-capfabric-job-id:")) {
                    jobId = line.substring(line.indexOf(':') + 1).strip();
                }
            }
            assertNotNull(jobId);
            id = jobId;
            // wait for the first partial, then go
            String line;
            do {
                line = reader.readLine();
            } while (line != null && !line.startsWith("event: partial") && !line.startsWith("event:partial"));
            assertNotNull(line, "no partial came");
        }
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!(Files.exists(cancelled) && Files.readString(cancelled).contains(id)) && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(cancelled) && Files.readString(cancelled).contains(id),
                "the job was not cancelled within 5 s of its client leaving (it would run 10 s)");
    }
}
