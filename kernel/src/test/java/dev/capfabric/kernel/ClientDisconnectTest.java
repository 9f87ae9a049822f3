package dev.capfabric.kernel;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that goes away cancels its job; clients that stay (keep-alive, pipelining) are served as
 * before. Raw sockets, so the test decides exactly when bytes are sent and when the socket closes.
 */
class ClientDisconnectTest {

    @TempDir
    Path home;

    private TestNode node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private TestNode start() {
        return start("PLATFORM");
    }

    private TestNode start(String threading) {
        TestPlugins.provider("test.echo", "echo-one", "echo").concurrency(1).threading(threading).build(home.resolve("plugins/echo.jar"));
        node = TestNode.start(home, "disconnect-test");
        return node;
    }

    private List<String> seen() throws IOException {
        Path log = home.resolve("work/data/echo-one/seen.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    /** Occupies the single worker with a slow job and waits until it runs. */
    private CompletableFuture<HttpResponse<String>> occupyWorker(long millis) {
        CompletableFuture<HttpResponse<String>> blocker = CompletableFuture.supplyAsync(() ->
                node.postJson("/v1/capability/echo?sleep_ms=" + millis, "{}", "X-Capfabric-Job-Id", "blocker"));
        node.awaitCaps(caps -> caps.at("/load/inflight/echo").asInt() == 1, Duration.ofSeconds(10), "the blocker to run");
        return blocker;
    }

    private void awaitQueueDepth(int depth) {
        node.awaitCaps(caps -> caps.at("/load/queue_depth/echo").asInt() == depth, Duration.ofSeconds(10),
                "queue depth " + depth);
    }

    private static String request(String jobId, String query) {
        String body = "{\"text\":\"" + jobId + "\"}";
        return "POST /v1/capability/echo" + query + " HTTP/1.1\r\n"
                + "Host: localhost\r\n"
                + "Content-Type: application/json\r\n"
                + "X-Capfabric-Job-Id: " + jobId + "\r\n"
                + "Content-Length: " + body.length() + "\r\n"
                + "\r\n"
                + body;
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLATFORM", "VIRTUAL"})
    void clientThatClosesItsSocketWhileQueuedCancelsItsJob(String threading) throws Exception {
        start(threading);
        CompletableFuture<HttpResponse<String>> blocker = occupyWorker(1500);
        try (Socket client = new Socket("127.0.0.1", node.kernel.port())) {
            client.getOutputStream().write(request("gone-job", "").getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
            awaitQueueDepth(1);
        }

        assertEquals(200, blocker.get().statusCode());
        awaitQueueDepth(0);
        String metrics = node.get("/metrics").body();
        assertTrue(metrics.contains("outcome=\"cancelled\""), "the lane dropped the job as cancelled:\n" + metrics);
        assertFalse(seen().contains("gone-job"), "the provider never saw the abandoned job: " + seen());
        assertTrue(seen().contains("blocker"));
        assertEquals(200, node.postJson("/v1/capability/echo", "{}").statusCode(), "the node serves on");
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLATFORM", "VIRTUAL"})
    void clientThatGoesAwayWhileItsJobRunsLetsTheProviderStopEarly(String threading) throws Exception {
        start(threading);
        try (Socket client = new Socket("127.0.0.1", node.kernel.port())) {
            client.getOutputStream().write(request("long-job", "?sleep_ms=60000").getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
            node.awaitCaps(caps -> caps.at("/load/inflight/echo").asInt() == 1, Duration.ofSeconds(10), "the job to run");
        }
        // the job would hold the worker for a minute; the provider sees job.cancellation() and stops
        node.awaitCaps(caps -> caps.at("/load/inflight/echo").asInt() == 0, Duration.ofSeconds(20), "the job to stop");
        assertTrue(seen().contains("long-job"));
        assertEquals(200, node.postJson("/v1/capability/echo", "{}").statusCode());
    }

    @Test
    void keepAliveClientThatPausesAndThenLeavesALongJobIsNoticed() throws Exception {
        // the node looks over a connection while its jobs keep coming and lets it go after a second without
        // one: a job sent after a longer pause must bring it back, or its client's leaving goes unnoticed
        start();
        try (Socket client = new Socket("127.0.0.1", node.kernel.port())) {
            OutputStream out = client.getOutputStream();
            InputStream in = client.getInputStream();
            for (String id : List.of("before-pause-1", "before-pause-2")) {
                out.write(request(id, "?sleep_ms=50").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertEquals(200, RawResponse.read(in).status());
            }
            TestNode.sleep(2500);
            out.write(request("after-pause", "?sleep_ms=60000").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            node.awaitCaps(caps -> caps.at("/load/inflight/echo").asInt() == 1, Duration.ofSeconds(10), "the job to run");
        }
        node.awaitCaps(caps -> caps.at("/load/inflight/echo").asInt() == 0, Duration.ofSeconds(20), "the job to stop");
        assertTrue(seen().contains("after-pause"), seen().toString());
    }

    @Test
    void keepAliveClientIsServedBeforeAndAfterWaitingInTheQueue() throws Exception {
        start();
        CompletableFuture<HttpResponse<String>> blocker = occupyWorker(800);
        try (Socket client = new Socket("127.0.0.1", node.kernel.port())) {
            OutputStream out = client.getOutputStream();
            InputStream in = client.getInputStream();
            out.write(request("first", "").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            awaitQueueDepth(1);
            RawResponse first = RawResponse.read(in);
            assertEquals(200, first.status(), first.body());
            assertEquals("first", first.headers().get("x-capfabric-job-id"));

            for (String id : List.of("second", "third")) {
                out.write(request(id, "").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                RawResponse next = RawResponse.read(in);
                assertEquals(200, next.status(), next.body());
                assertEquals(id, next.headers().get("x-capfabric-job-id"), "same connection, answers in order");
            }
        }
        assertEquals(200, blocker.get().statusCode());
        assertTrue(seen().containsAll(List.of("first", "second", "third")), seen().toString());
    }

    @Test
    void pipelinedRequestsBehindAWaitingJobAreServedInOrder() throws Exception {
        start();
        CompletableFuture<HttpResponse<String>> blocker = occupyWorker(800);
        List<String> ids = List.of("pipe-1", "pipe-2", "pipe-3");
        try (Socket client = new Socket("127.0.0.1", node.kernel.port())) {
            StringBuilder all = new StringBuilder();
            ids.forEach(id -> all.append(request(id, "")));
            client.getOutputStream().write(all.toString().getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
            InputStream in = client.getInputStream();
            for (String id : ids) {
                RawResponse response = RawResponse.read(in);
                assertEquals(200, response.status(), response.body());
                assertEquals(id, response.headers().get("x-capfabric-job-id"));
                assertTrue(response.body().contains("\"text\":\"" + id + "\""), response.body());
            }
        }
        assertEquals(200, blocker.get().statusCode());
        assertEquals(List.of("blocker", "pipe-1", "pipe-2", "pipe-3"), seen());
    }

    @Test
    void pipeliningClientThatClosesCancelsTheJobItWaitsFor() throws Exception {
        start();
        CompletableFuture<HttpResponse<String>> blocker = occupyWorker(1500);
        try (Socket client = new Socket("127.0.0.1", node.kernel.port())) {
            client.getOutputStream().write((request("piped-gone-1", "") + request("piped-gone-2", ""))
                    .getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
            awaitQueueDepth(1);
        }
        assertEquals(200, blocker.get().statusCode());
        awaitQueueDepth(0);
        TestNode.sleep(300);
        assertFalse(seen().contains("piped-gone-1"), seen().toString());
        assertFalse(seen().contains("piped-gone-2"), "the second request of a closed connection never reaches the provider");
    }

    /** A response read off the wire; Helidon answers these requests with a Content-Length. */
    private record RawResponse(int status, Map<String, String> headers, String body) {

        static RawResponse read(InputStream in) throws IOException {
            String statusLine = line(in);
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                int colon = header.indexOf(':');
                headers.put(header.substring(0, colon).strip().toLowerCase(Locale.ROOT), header.substring(colon + 1).strip());
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
            return new RawResponse(status, headers, body);
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                if (b != '\r') {
                    line.write(b);
                }
            }
            if (b == -1 && line.size() == 0) {
                throw new IOException("connection closed before a response");
            }
            return line.toString(StandardCharsets.US_ASCII);
        }
    }
}
