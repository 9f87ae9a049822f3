package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.http.Json;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.impl.Headers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static dev.capfabric.kernel.fabric.FabricNodes.fabric;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A node counts the deadline an attempt was sent with from when it read the request, less the wait it can tell from
 * its sender's heartbeats; it reads heartbeats in batches (every twentieth of its interval, at most 250 ms), so it may
 * give a job that much more time than its sender did. The sender waits that long past the attempt's deadline before it
 * sends the job elsewhere: a node that ran the job to the end of its own reckoning (StarvedWorkerTest: a worker frozen
 * while it ran a job finished it on waking) is answered, and the job is not run on a second node too.
 */
class AttemptGraceTest {

    private static final Duration HEARTBEAT = Duration.ofMillis(1000);

    @TempDir
    Path dir;

    @Test
    void anAnswerAMomentPastTheDeadlineTheNodeWasSentIsTakenAndTheJobNotSentAgain() throws Exception {
        try (NatsTestServer nats = NatsTestServer.start(false, 0)) {
            Map<String, String> env = FabricNodes.env(nats, HEARTBEAT, Map.of("CAPFABRIC_FABRIC_HEDGE_ENABLED", "false"));
            // a real node lends the late one its capabilities, then leaves before the router starts
            String caps;
            String digest;
            try (TestNode real = FabricNodes.start(dir.resolve("real"), "real",
                    List.of(FabricNodes.plugin(dir.resolve("jars"), "echo-one", "echo", 1)), env);
                 Connection probe = Nats.connect(nats.url())) {
                Message answer = probe.request("capfabric.node.real.caps", null, Duration.ofSeconds(5));
                caps = new String(answer.getData(), StandardCharsets.UTF_8).replace("\"node_id\":\"real\"", "\"node_id\":\"late\"");
                digest = answer.getHeaders().getFirst(OffloadWire.DIGEST);
            }
            try (TestNode router = FabricNodes.start(dir.resolve("r"), "r", List.of(), env);
                 Connection late = Nats.connect(nats.url())) {
                AtomicInteger attempts = new AtomicInteger();
                Dispatcher node = lateNode(late, caps, digest, attempts);
                await(() -> fabric(router).status("late") == NodeStatus.OK && fabric(router).nodes(false).nodes().stream()
                        .anyMatch(n -> n.nodeId().equals("late") && n.capabilities().containsKey("echo")),
                        Duration.ofSeconds(10), "the router to know the late node");
                // never answered before: the attempt may take half the time left, 2 s, and is answered 150 ms after that
                HttpResponse<String> job = router.postJson("/v1/capability/echo", "{}", "X-Request-Timeout", "4000",
                        "X-Capfabric-Job-Id", "graced-1");
                assertEquals(200, job.statusCode(), job.body());
                assertEquals("late", job.headers().firstValue("X-Capfabric-Node").orElseThrow(), job.body());
                assertEquals(1, attempts.get(), "the job was sent once");
                late.closeDispatcher(node);
            }
        }
    }

    /**
     * A node that answers caps requests on its own subject, heartbeats, and answers each job 150 ms after the deadline
     * it was sent with: as a node does whose reckoning of that deadline is 150 ms later than its sender's.
     */
    private static Dispatcher lateNode(Connection nats, String caps, String digest, AtomicInteger attempts) {
        Dispatcher dispatcher = nats.createDispatcher(message -> {
            if (message.getSubject().endsWith(".caps")) {
                nats.publish(message.getReplyTo(), new Headers().put(OffloadWire.DIGEST, digest).put(OffloadWire.NODE, "late")
                        .put(OffloadWire.INSTANCE, "late-instance"), caps.getBytes(StandardCharsets.UTF_8));
                return;
            }
            attempts.incrementAndGet();
            long timeoutMs = Long.parseLong(message.getHeaders().getFirst(OffloadWire.TIMEOUT_MS));
            String replyTo = message.getReplyTo();
            Thread.startVirtualThread(() -> {
                TestNode.sleep(timeoutMs + 150);
                nats.publish(replyTo, new Headers().put(OffloadWire.STATUS, "200").put(OffloadWire.NODE, "late")
                        .put(OffloadWire.RESULT, "json"), Json.bytes(Map.of("node", "late")));
            });
        });
        dispatcher.subscribe("capfabric.node.late.caps");
        dispatcher.subscribe("capfabric.node.late.cap.echo");
        FabricLoad idle = new FabricLoad(0, 0, Map.of("echo", 0), Map.of(), Map.of("echo", 4), Map.of("echo", 100.0));
        Thread.startVirtualThread(() -> {
            for (long seq = 0; dispatcher.isActive(); seq++) {
                Heartbeat beat = new Heartbeat("late", seq, Instant.now().toString(), HEARTBEAT.toMillis(), digest, false, idle, null);
                nats.publish("capfabric.node.late.heartbeat", new Headers().put(OffloadWire.INSTANCE, "late-instance"), Json.bytes(beat));
                TestNode.sleep(HEARTBEAT.toMillis());
            }
        });
        return dispatcher;
    }
}
