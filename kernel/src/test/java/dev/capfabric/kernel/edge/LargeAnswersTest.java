package dev.capfabric.kernel.edge;

import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.TestPlugins;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every byte of every large answer arrives: 100 answers of 1 to 20 MB, half on fresh connections and
 * half on one reused connection, some read slowly so the node's writes fill the socket and complete
 * partially (Helidon 4.4.0 lost the rest of such a write: helidon-io/helidon#11340, fixed in 4.5.0),
 * and some from jobs long enough for the kernel to watch the client while they run.
 */
class LargeAnswersTest {

    @TempDir
    Path home;

    @Test
    void hundredAnswersOfOneToTwentyMegabytesArriveWhole() throws IOException {
        TestPlugins.provider("test.echo", "echo-one", "echo").concurrency(2).build(home.resolve("plugins/echo.jar"));
        try (TestNode node = TestNode.start(home, "large-test", Map.of())) {
            node.awaitCaps(c -> c.at("/capabilities/echo").isObject(), Duration.ofSeconds(20), "echo to load");
            Random random = new Random(12);
            try (RawHttp reused = new RawHttp(node.kernel.port())) {
                for (int i = 0; i < 100; i++) {
                    int size = 1_000_000 + random.nextInt(19_000_001);
                    // every fourth job runs past the 20 ms after which the kernel reads ahead on the connection
                    String request = "POST /v1/capability/echo?out_bytes=" + size + (i % 4 == 0 ? "&sleep_ms=40" : "")
                            + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
                    boolean slow = i % 5 == 0;
                    RawHttp.Response response;
                    if (i % 2 == 0) {
                        try (RawHttp fresh = new RawHttp(node.kernel.port())) {
                            response = fresh.send(request).readOne(Duration.ofSeconds(60), slow);
                        }
                    } else {
                        response = reused.send(request).readOne(Duration.ofSeconds(60), slow);
                    }
                    assertEquals(200, response.status(), "answer " + i);
                    assertEquals(String.valueOf(size), response.header("content-length"));
                    assertEquals(size, response.body().length, "answer " + i + " is short");
                    byte[] body = response.body();
                    for (int b = 0; b < size; b++) {
                        if (body[b] != (byte) (b * 31 + 7)) {
                            throw new AssertionError("answer " + i + " differs at byte " + b);
                        }
                    }
                }
            }
        }
    }
}
