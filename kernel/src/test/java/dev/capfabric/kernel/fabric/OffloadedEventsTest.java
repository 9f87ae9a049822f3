package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.SseEvents;
import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.TestPlugins;
import io.nats.client.Connection;
import io.nats.client.Nats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Progress and partial results of a job that another node runs reach the caller of the node that
 * offloaded it, over NATS, as they are made: {@code front} has no provider for {@code pieces}, so every
 * such job runs on {@code back}. Events travel only while someone follows the job, within their bounds
 * (what is left out is counted and said), and a caller who leaves stops the job on the node running it.
 */
class OffloadedEventsTest {

    @TempDir
    static Path dir;

    static NatsTestServer nats;
    static TestNode front;
    static TestNode back;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        nats = NatsTestServer.start(false, 0);
        Path jar = TestPlugins.provider("test.pieces", "pieces-one", "pieces").concurrency(2).build(dir.resolve("jars/pieces.jar"));
        Map<String, String> env = FabricNodes.env(nats, Duration.ofMillis(300), Map.of());
        back = FabricNodes.start(dir.resolve("back"), "back", List.of(jar), env);
        front = FabricNodes.start(dir.resolve("front"), "front", List.of(), env);
        await(() -> FabricNodes.fabric(front).nodes(false).nodes().stream()
                        .anyMatch(n -> n.nodeId().equals("back") && n.capabilities().containsKey("pieces")),
                Duration.ofSeconds(10), "front to know back's capability");
    }

    @AfterAll
    static void stop() {
        for (TestNode node : new TestNode[]{front, back}) {
            if (node != null) {
                node.close();
            }
        }
        if (nats != null) {
            nats.close();
        }
    }

    private List<SseEvents.Received> stream(String query) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(front.uri("/v1/capability/pieces" + query))
                .header("Accept", "text/event-stream").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("hello")).timeout(Duration.ofSeconds(60)).build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        try (InputStream in = response.body()) {
            return SseEvents.read(in, 100_000);
        }
    }

    private static List<String> names(List<SseEvents.Received> events) {
        return events.stream().map(SseEvents.Received::name).toList();
    }

    @Test
    void partialsOfAJobRunOnAnotherNodeArriveAsTheyAreMadeThenTheResult() throws Exception {
        long asked = System.nanoTime();
        List<SseEvents.Received> events = stream("?pieces=5&piece_ms=150");
        assertEquals(List.of("progress", "partial", "progress", "partial", "progress", "partial", "progress", "partial",
                "progress", "partial", "result"), names(events));
        List<SseEvents.Received> partials = events.stream().filter(e -> e.name().equals("partial")).toList();
        for (int i = 0; i < partials.size(); i++) {
            var data = partials.get(i).data();
            assertEquals(i, data.get("index").asInt());
            assertEquals("piece-" + i, new String(Base64.getDecoder().decode(data.get("data").asText()), StandardCharsets.UTF_8));
            assertTrue(data.get("media_type").asText().startsWith("text/plain"));
            assertTrue(data.get("metadata").get("streaming").asBoolean(), "the provider on back saw a follower");
        }
        assertEquals(1.0, events.get(8).data().get("fraction").asDouble(), 1e-9);
        SseEvents.Received result = events.getLast();
        assertEquals("back", result.data().get("node").asText());
        // the first piece came while four more were still 600 ms of work away on back
        assertTrue(result.atNanos() - partials.getFirst().atNanos() > Duration.ofMillis(400).toNanos(),
                "first partial at " + (partials.getFirst().atNanos() - asked) / 1_000_000 + " ms, result at "
                        + (result.atNanos() - asked) / 1_000_000 + " ms");
    }

    @ParameterizedTest
    @CsvSource({"fail=bad_input,400,bad_input", "fail=unprocessable,422,unprocessable", "throw=yes,500,internal"})
    void aRemoteJobThatFailsEndsTheStreamWithItsErrorAfterItsPartials(String param, int status, String kind) throws Exception {
        List<SseEvents.Received> events = stream("?pieces=2&" + param);
        assertEquals(List.of("progress", "partial", "progress", "partial", "error"), names(events));
        var error = events.getLast().data();
        assertEquals(status, error.get("status").asInt());
        assertEquals(kind, error.get("error").get("kind").asText());
        assertEquals("back", error.get("node").asText());
    }

    @Test
    void nothingIsPublishedForAJobNobodyFollows() throws Exception {
        try (Connection observer = Nats.connect(nats.url())) {
            AtomicInteger heard = new AtomicInteger();
            observer.createDispatcher(message -> heard.incrementAndGet()).subscribe("capfabric.node.*.events.>");
            observer.flush(Duration.ofSeconds(5));
            var plain = front.post("/v1/capability/pieces?pieces=4", "text/plain", "hi".getBytes(StandardCharsets.UTF_8));
            assertEquals(200, plain.statusCode(), plain.body());
            assertEquals("back", plain.headers().firstValue("X-Capfabric-Node").orElseThrow());
            observer.flush(Duration.ofSeconds(5));
            assertEquals(0, heard.get(), "events were published for a job nobody followed");
            // the observer would have heard them: a followed job's events are on that subject
            assertEquals("result", stream("?pieces=4").getLast().name());
            await(() -> heard.get() == 8, Duration.ofSeconds(5), "the 8 events of the followed job");
        }
    }

    @Test
    void eventsBeyondTheRelayBoundsAreCountedAsDroppedAndTheResultStillComes() throws Exception {
        // 6 000 pieces make 12 000 events, 2 000 more than a job may publish to its sender
        List<SseEvents.Received> events = stream("?pieces=6000");
        assertEquals("result", events.getLast().name(), names(events).subList(Math.max(0, events.size() - 3), events.size()).toString());
        List<SseEvents.Received> dropped = events.stream().filter(e -> e.name().equals("dropped")).toList();
        assertEquals(1, dropped.size(), "one dropped event");
        assertEquals("dropped", events.get(events.size() - 2).name(), "said just before the result");
        int count = dropped.getFirst().data().get("count").asInt();
        long relayed = events.stream().filter(e -> e.name().equals("progress") || e.name().equals("partial")).count();
        assertTrue(count >= 12_000 - OffloadEventPublisher.MAX_EVENTS, "dropped " + count);
        // every event is either relayed or counted: none lost unsaid
        assertEquals(12_000, relayed + count);
        List<SseEvents.Received> partials = events.stream().filter(e -> e.name().equals("partial")).toList();
        for (int i = 1; i < partials.size(); i++) {
            assertTrue(partials.get(i).data().get("index").asInt() > partials.get(i - 1).data().get("index").asInt(), "pieces in order");
        }
    }

    @Test
    void aCallerThatLeavesStopsTheJobOnTheNodeRunningIt() throws Exception {
        Path cancelled = back.home.resolve("work/data/pieces-one/cancelled.log");
        String id = null;
        try (Socket socket = new Socket("127.0.0.1", front.kernel.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/capability/pieces?pieces=200&piece_ms=50 HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
                    + "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            for (String line = reader.readLine(); !line.isEmpty(); line = reader.readLine()) {
                if (line.toLowerCase().startsWith("x-capfabric-job-id:")) {
                    id = line.substring(line.indexOf(':') + 1).strip();
                }
            }
            assertNotNull(id);
            String line;
            do {
                line = reader.readLine();
            } while (line != null && !line.startsWith("event: partial") && !line.startsWith("event:partial"));
            assertNotNull(line, "no partial came from back");
        }
        String jobId = id;
        await(() -> {
            try {
                return Files.exists(cancelled) && Files.readString(cancelled).contains(jobId);
            } catch (java.io.IOException e) {
                return false;
            }
        }, Duration.ofSeconds(5), "back to stop the job whose caller left front (it would run 10 s)");
    }
}
