package dev.capfabric.kernel.edge;

import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.TestPlugins;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Memory follows the body bytes received, within one budget for all connections: many clients that
 * declare the largest body and trickle hold at most the budget, those past it are refused with 503,
 * and everyone else is still served.
 */
class BodyBudgetTest {

    private static final long BUDGET = 2L << 20;

    @TempDir
    Path home;

    private static long held(TestNode node) {
        for (String line : node.get("/metrics").body().split("\n")) {
            if (line.startsWith("capfabric_http_body_bytes_held")) {
                return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no capfabric_http_body_bytes_held on /metrics");
    }

    @Test
    void twoHundredTricklingClientsHoldAtMostTheBudgetAndOthersAreServed() throws Exception {
        TestPlugins.provider("test.echo", "echo-one", "echo").concurrency(2).build(home.resolve("plugins/echo.jar"));
        try (TestNode node = TestNode.start(home, "budget-test", Map.of(
                "CAPFABRIC_HTTP_MAX__INFLIGHT__BODY__BYTES", String.valueOf(BUDGET),
                "CAPFABRIC_HTTP_BODY__IDLE__TIMEOUT__MS", "5000"))) {
            node.awaitCaps(c -> c.at("/capabilities/echo").isObject(), Duration.ofSeconds(20), "echo to load");
            List<RawHttp> clients = new ArrayList<>();
            try {
                String head = "POST /v1/capability/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 16000000\r\n\r\n"; // within the echo provider's input limit
                for (int i = 0; i < 200; i++) {
                    RawHttp client = new RawHttp(node.kernel.port());
                    clients.add(client);
                    client.send(head + "a".repeat(20_000));
                }
                long most = 0;
                long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                while (System.nanoTime() < end) {
                    for (RawHttp client : clients) {
                        try {
                            client.send("bbbbbbbbbbbbbbbb");
                        } catch (IOException refusedAndClosed) {
                            // a client refused with 503 has its connection closed
                        }
                    }
                    most = Math.max(most, held(node));
                    assertTrue(most <= BUDGET, "held " + most + " > budget " + BUDGET);
                    HttpResponse<String> other = node.postJson("/v1/capability/echo", "{\"text\":\"still served\"}");
                    assertEquals(200, other.statusCode(), other.body());
                    Thread.sleep(200);
                }
                assertTrue(most > BUDGET / 2, "the trickling clients should have filled the budget; held at most " + most);
                int refused = 0;
                for (RawHttp client : clients) {
                    RawHttp.Exchange exchange = client.read(Duration.ofMillis(1));
                    if (!exchange.responses().isEmpty()) {
                        HttpEdgeTest.assertJsonError(exchange, 503);
                        assertEquals("1", exchange.responses().getFirst().header("retry-after"));
                        refused++;
                    }
                }
                assertTrue(refused > 0, "past the budget some clients are refused with 503");
            } finally {
                for (RawHttp client : clients) {
                    client.close();
                }
            }
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (held(node) > 0 && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            assertEquals(0, held(node), "every client gone: every byte given back");
        }
    }
}
