package dev.capfabric.plugin.ocr.visionllm;

import dev.capfabric.plugin.ocr.TestJobs;
import dev.capfabric.plugin.ocr.TextImages;
import dev.capfabric.spi.Cancellation;
import dev.capfabric.spi.CapabilityException.Kind;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Health;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static dev.capfabric.plugin.ocr.visionllm.VisionProviders.fails;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** vision-llm when the backend is dead, drops the connection, stalls, or answers nonsense. */
class UnreliableBackendTest {

    @Test
    void aBackendNobodyListensOnMakesHealthDownAndJobsUnavailable() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        try (CapabilityProvider provider = VisionProviders.ready(Map.of("base-url", "http://127.0.0.1:" + port, "model", "llava"))) {
            Health health = provider.health();

            assertFalse(health.usable());
            assertTrue(health.detail().contains("http://127.0.0.1:" + port + "/api/tags is unreachable"), health.detail());
            fails(provider, TestJobs.png(TextImages.png("x")), Kind.UNAVAILABLE, "unreachable");
        }
    }

    @Test
    void aConnectionClosedMidAnswerMakesTheJobUnavailable() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             CapabilityProvider provider = VisionProviders.ready(Map.of("api", "openai",
                     "base-url", "http://127.0.0.1:" + server.getLocalPort(), "model", "m"))) {
            Thread.ofVirtual().start(() -> answerHalfAndHangUp(server));

            fails(provider, TestJobs.png(TextImages.png("x")), Kind.UNAVAILABLE, "failed");
        }
    }

    @Test
    void aStalledBackendEndsTheJobAtItsDeadline() throws Exception {
        try (FakeOllama ollama = new FakeOllama();
             CapabilityProvider provider = VisionProviders.ready(Map.of("base-url", ollama.url().toString(), "model", "llava"))) {
            ollama.stall = true;
            Instant start = Instant.now();

            fails(provider, TestJobs.ocr(TextImages.png("x"), "image/png", Map.of(), Duration.ofMillis(400), Cancellation.never()),
                    Kind.TIMEOUT, "deadline passed");

            // the backend stalls for a minute; returning well before shows the deadline, not the backend, ended it
            assertTrue(Duration.between(start, Instant.now()).toSeconds() < 30);
        }
    }

    @Test
    void aStalledBackendEndsTheJobAtTheConfiguredTimeout() throws Exception {
        try (FakeOllama ollama = new FakeOllama();
             CapabilityProvider provider = VisionProviders.ready(Map.of("base-url", ollama.url().toString(),
                     "model", "llava", "timeout-ms", "300", "probe-timeout-ms", "300"))) {
            ollama.stall = true;

            fails(provider, TestJobs.png(TextImages.png("x")), Kind.TIMEOUT, "did not answer in time");
            Health health = provider.health();
            assertFalse(health.usable());
            assertTrue(health.detail().contains("did not answer in time"), health.detail());
        }
    }

    @Test
    void aJobCancelledWhileWaitingStopsWaiting() throws Exception {
        try (FakeOllama ollama = new FakeOllama();
             CapabilityProvider provider = VisionProviders.ready(Map.of("base-url", ollama.url().toString(), "model", "llava"))) {
            ollama.stall = true;
            Cancellation cancelledOnceTheBackendHasIt = () -> ollama.hasReceived("/api/generate");

            fails(provider, TestJobs.ocr(TextImages.png("x"), "image/png", Map.of(), Duration.ofMinutes(1),
                    cancelledOnceTheBackendHasIt), Kind.TIMEOUT, "cancelled");
        }
    }

    @Test
    void anAnswerThatIsNotTheDocumentedShapeMakesTheJobUnavailable() throws Exception {
        try (FakeOllama ollama = new FakeOllama();
             CapabilityProvider provider = VisionProviders.ready(Map.of("base-url", ollama.url().toString(), "model", "llava"))) {
            ollama.failure = new FakeBackend.Failure(200, "<html>captive portal</html>");
            fails(provider, TestJobs.png(TextImages.png("x")), Kind.UNAVAILABLE, "not a JSON object");

            ollama.failure = new FakeBackend.Failure(200, "{\"done\":true}");
            fails(provider, TestJobs.png(TextImages.png("x")), Kind.UNAVAILABLE, "no \"response\" text");
            assertFalse(provider.health().usable());
        }
    }

    private static void answerHalfAndHangUp(ServerSocket server) {
        try (Socket socket = server.accept()) {
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[65536];
            int total = 0;
            // read until the JSON body has arrived (its closing brace), then answer with half a body
            while (total < 64 || buffer[total - 1] != '}') {
                int read = in.read(buffer, total, buffer.length - total);
                if (read < 0 || total + read >= buffer.length) {
                    break;
                }
                total += read;
            }
            OutputStream out = socket.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{\"choices\":[{\"mes"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (Exception ignored) {
            // the test asserts on what the client saw
        }
    }
}
