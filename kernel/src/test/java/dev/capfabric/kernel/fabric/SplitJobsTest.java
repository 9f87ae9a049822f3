package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.TestPlugins;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.capfabric.kernel.fabric.FabricNodes.await;
import static dev.capfabric.kernel.fabric.FabricNodes.fabric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A job that its provider splits ({@code CapabilityProvider.split}) runs in parts across a real fabric:
 * three nodes over a real nats-server, each with the splitting test provider (concurrency 1), and a
 * router-only node without it. Parts go through the ordinary routing, spread over every node, come back
 * merged in order with the node of each; a part that fails fails the job naming the part and stops the
 * others; refusals to split or merge, too many parts and a passed deadline are clear errors.
 */
// the first two run on a fresh fabric: no node has a queue or a service time yet that routing would weigh
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SplitJobsTest {

    private static final Duration HEARTBEAT = Duration.ofMillis(300);

    @TempDir
    static Path dir;
    private static NatsTestServer nats;
    private static final List<TestNode> nodes = new ArrayList<>();
    private static TestNode a;
    private static TestNode router;

    @BeforeAll
    static void startFabric() {
        nats = NatsTestServer.start(false, 0);
        Path jar = TestPlugins.provider("test.split_echo", "split-echo", "doc").concurrency(1).build(dir.resolve("jars/split-echo.jar"));
        // four slots a node: every part of a small job starts at once, none waits behind another
        Path wide = TestPlugins.provider("test.split_wide", "split-wide", "wide").concurrency(4).build(dir.resolve("jars/split-wide.jar"));
        Map<String, String> env = FabricNodes.env(nats, HEARTBEAT, Map.of("CAPFABRIC_DISPATCH_SPLIT_MAX__PARTS", "12"));
        for (String id : List.of("a", "b", "c")) {
            nodes.add(FabricNodes.start(dir.resolve(id), id, List.of(jar, wide), env));
        }
        a = nodes.getFirst();
        router = FabricNodes.start(dir.resolve("r"), "r", List.of(), env);
        nodes.add(router);
        for (TestNode from : List.of(a, router)) {
            await(() -> List.of("a", "b", "c").stream().filter(id -> !id.equals(from.kernel.nodeId())).allMatch(id ->
                            fabric(from).status(id) == NodeStatus.OK && fabric(from).nodes(false).nodes().stream()
                                    .anyMatch(n -> n.nodeId().equals(id) && n.capabilities().containsKey("doc")
                                            && n.capabilities().containsKey("wide"))),
                    Duration.ofSeconds(15), from.kernel.nodeId() + " to know every node's doc provider");
        }
    }

    @AfterAll
    static void stopFabric() {
        nodes.forEach(TestNode::close);
        if (nats != null) {
            nats.close();
        }
    }

    @Test
    @Order(2)
    void partsRunOnEveryNodeAndComeBackMergedInOrderWithTheNodeOfEach() {
        List<String> lines = IntStream.range(0, 9).mapToObj(i -> "line " + i).toList();

        HttpResponse<String> response = post(a, "/v1/capability/doc?split=lines&sleep_ms=250", lines, "spread");

        assertEquals(200, response.statusCode(), response.body());
        JsonNode json = TestNode.json(response.body());
        assertEquals("a", json.get("merged_on").asText());
        assertEquals("a", response.headers().firstValue("X-Capfabric-Node").orElseThrow());
        JsonNode parts = json.get("parts");
        assertEquals(9, parts.size(), response.body());
        Set<String> servedBy = new HashSet<>();
        for (int i = 0; i < 9; i++) {
            JsonNode part = parts.get(i);
            assertEquals(i, part.get("index").asInt());
            assertEquals("line " + i, part.get("input").asText(), "part " + i + " holds its own line, in order");
            assertEquals(i + "/9", part.at("/params/part").asText());
            assertEquals("split-echo", part.at("/params/provider").asText(), "a part runs on the provider that split it");
            assertEquals(part.get("ran_on").asText(), part.get("node").asText(), "the node named is the one that ran it");
            servedBy.add(part.get("node").asText());
        }
        assertEquals(Set.of("a", "b", "c"), servedBy, "every node with the capability read some part: " + response.body());
    }

    @Test
    @Order(1)
    void aFailingPartFailsTheJobAtOnceNamingThePartAndStopsTheOthers() throws IOException {
        // part 0 fails as soon as it runs; parts 1 to 5 run meanwhile for 8 s unless cancelled
        StringBuilder query = new StringBuilder("/v1/capability/wide?split=lines&p0.fail=internal");
        for (int i = 1; i < 6; i++) {
            query.append("&p").append(i).append(".pieces=80&p").append(i).append(".piece_ms=100");
        }
        long start = System.nanoTime();

        HttpResponse<String> response = post(a, query.toString(), List.of("zero", "one", "two", "three", "four", "five"), "fails");

        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(500, response.statusCode(), response.body());
        JsonNode error = TestNode.json(response.body()).get("error");
        assertEquals("internal", error.get("kind").asText(), response.body());
        assertTrue(error.get("message").asText().matches("part 1 of 6 failed on node [abc]: failing on purpose: internal"), response.body());
        assertEquals(0, error.at("/details/part").asInt(), response.body());
        assertEquals(6, error.at("/details/parts").asInt(), response.body());
        assertTrue(millis < 7900, "the job ended with its failing part, not after the others (" + millis + " ms)");
        await(() -> IntStream.range(1, 6).allMatch(i -> stoppedOrNeverRan("wide", "fails.p" + i)), Duration.ofSeconds(5),
                "the other parts to be cancelled");
    }

    @Test
    void aPartUnavailableWhereverItIsTriedFailsTheJobWithAnErrorNamingIt() {
        HttpResponse<String> response = post(a, "/v1/capability/doc?split=lines&p1.fail=unavailable", List.of("x", "y"), "unavailable");

        assertEquals(503, response.statusCode(), response.body());
        JsonNode error = TestNode.json(response.body()).get("error");
        assertTrue(error.get("message").asText().startsWith("part 2 of 2 failed on node "), response.body());
        assertEquals(1, error.at("/details/part").asInt(), response.body());
        assertTrue(seen("unavailable.p1"), "the part ran somewhere");
    }

    @Test
    void aPartRefusedAsBadInputFailsTheJobWithItsStatusAndItsReason() {
        HttpResponse<String> response = post(a, "/v1/capability/doc?split=lines&p1.fail=bad_input", List.of("x", "y", "z"), "bad");

        assertEquals(400, response.statusCode(), response.body());
        JsonNode error = TestNode.json(response.body()).get("error");
        assertEquals("bad_input", error.get("kind").asText());
        assertTrue(error.get("message").asText().matches("part 2 of 3 failed on node [abc]: failing on purpose: bad_input"),
                response.body());
    }

    @Test
    void refusalsToSplitOrMergeAndTooManyPartsAreTheJobsOwnErrors() throws IOException {
        HttpResponse<String> refused = post(a, "/v1/capability/doc?split=refuse", List.of("x", "y"), "refused");
        assertEquals(400, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("refusing to split on purpose"), refused.body());
        assertFalse(seen("refused"), "no part and no whole job ran");

        HttpResponse<String> merge = post(a, "/v1/capability/doc?split=lines&merge=fail", List.of("x", "y"), "merge");
        assertEquals(422, merge.statusCode(), merge.body());
        assertTrue(merge.body().contains("refusing to merge on purpose"), merge.body());

        List<String> thirteen = IntStream.range(0, 13).mapToObj(i -> "l" + i).toList();
        HttpResponse<String> many = post(a, "/v1/capability/doc?split=lines", thirteen, "many");
        assertEquals(413, many.statusCode(), many.body());
        JsonNode error = TestNode.json(many.body()).get("error");
        assertEquals("too_large", error.get("kind").asText());
        assertEquals(13, error.at("/details/parts").asInt(), many.body());
        assertEquals(12, error.at("/details/max_parts").asInt(), many.body());
        assertFalse(seen("many.p0"), "no part ran");
    }

    @Test
    void aDeadlineThatPassesEndsTheJobAndCancelsItsParts() throws IOException {
        StringBuilder query = new StringBuilder("/v1/capability/doc?split=lines");
        for (int i = 0; i < 4; i++) {
            query.append("&p").append(i).append(".pieces=50&p").append(i).append(".piece_ms=100");
        }
        long start = System.nanoTime();

        HttpResponse<String> response = post(a, query.toString(), List.of("0", "1", "2", "3"), "late", 1200);

        assertEquals(504, response.statusCode(), response.body());
        assertEquals("timeout", TestNode.json(response.body()).at("/error/kind").asText(), response.body());
        assertTrue(TestNode.json(response.body()).at("/error/message").asText().contains("deadline"), response.body());
        assertTrue((System.nanoTime() - start) / 1_000_000 < 4500, "answered at the deadline, not after the parts' 5 s");
        await(() -> cancelled("late.p0") && stoppedOrNeverRan("late.p1") && stoppedOrNeverRan("late.p2") && !seen("late.p3"),
                Duration.ofSeconds(8), "the parts running at the deadline to be cancelled, the last never started");
    }

    @Test
    void aJobRunsWholeWhereNoProviderHereSplitsItOrWhenItIsPinnedOrOfOnePart() {
        // the router-only node has no provider: the job goes whole to one node, which does not fan it out again
        HttpResponse<String> routed = post(router, "/v1/capability/doc?split=lines", List.of("x", "y", "z"), "routed");
        assertEquals(200, routed.statusCode(), routed.body());
        JsonNode whole = TestNode.json(routed.body());
        assertEquals("x\ny\nz", whole.get("input").asText(), routed.body());
        assertFalse(whole.has("parts"), routed.body());

        HttpResponse<String> pinned = post(a, "/v1/capability/doc?split=lines", List.of("x", "y"), "pinned", "X-Capfabric-Node", "b");
        assertEquals(200, pinned.statusCode(), pinned.body());
        assertEquals("b", TestNode.json(pinned.body()).get("node").asText());
        assertEquals("x\ny", TestNode.json(pinned.body()).get("input").asText());

        HttpResponse<String> one = post(a, "/v1/capability/doc?split=lines", List.of("only"), "one");
        assertEquals(200, one.statusCode(), one.body());
        assertFalse(TestNode.json(one.body()).at("/params").has("part"), "a job of one part runs whole: " + one.body());

        // a caller's own part parameter marks the job as a part: it runs whole
        HttpResponse<String> marked = post(a, "/v1/capability/doc?split=lines&part=0/1", List.of("x", "y"), "marked");
        assertEquals(200, marked.statusCode(), marked.body());
        assertEquals("x\ny", TestNode.json(marked.body()).get("input").asText());
    }

    @Test
    void aNodeAloneRunsThePartsSideBySideOnItsOwnSlots() {
        Path jar = TestPlugins.provider("test.split_alone", "split-alone", "doc").concurrency(2)
                .build(dir.resolve("jars/split-alone.jar"));
        try (TestNode alone = FabricNodes.startAlone(dir.resolve("alone"), "alone", List.of(jar))) {
            alone.awaitCaps(caps -> caps.at("/capabilities").toString().contains("doc"), Duration.ofSeconds(10), "doc to be served");

            HttpResponse<String> response = post(alone, "/v1/capability/doc?split=lines&sleep_ms=300", List.of("a", "b", "c", "d"), "alone");

            assertEquals(200, response.statusCode(), response.body());
            JsonNode parts = TestNode.json(response.body()).get("parts");
            assertEquals(4, parts.size());
            for (int i = 0; i < 4; i++) {
                assertEquals("alone", parts.get(i).get("node").asText());
                assertEquals(String.valueOf((char) ('a' + i)), parts.get(i).get("input").asText());
            }
            HttpResponse<String> after = alone.post("/v1/capability/doc", "text/plain", new byte[0]);
            assertEquals(2, TestNode.json(after.body()).get("most_at_once").asInt(), "two parts ran at once: " + after.body());
        }
    }

    private static HttpResponse<String> post(TestNode node, String path, List<String> lines, String jobId, String... headers) {
        return post(node, path, lines, jobId, 20_000, headers);
    }

    private static HttpResponse<String> post(TestNode node, String path, List<String> lines, String jobId, long timeoutMs,
                                             String... headers) {
        List<String> all = new ArrayList<>(List.of("X-Capfabric-Job-Id", jobId, "X-Request-Timeout", String.valueOf(timeoutMs)));
        all.addAll(List.of(headers));
        return node.post(path, "text/plain", String.join("\n", lines).getBytes(StandardCharsets.UTF_8), all.toArray(String[]::new));
    }

    /** Whether the part with this id never ran to its end: not started, or stopped on its cancellation. */
    private static boolean stoppedOrNeverRan(String id) {
        return stoppedOrNeverRan("split-echo", id);
    }

    private static boolean stoppedOrNeverRan(String provider, String id) {
        return !logged(provider, "seen.log", id) || logged(provider, "cancelled.log", id);
    }

    /** Whether any node's provider saw the job (or part) with this id. */
    private static boolean seen(String id) {
        return logged("split-echo", "seen.log", id);
    }

    /** Whether any node's provider stopped the job (or part) with this id on its cancellation. */
    private static boolean cancelled(String id) {
        return logged("split-echo", "cancelled.log", id);
    }

    private static boolean logged(String provider, String log, String id) {
        for (String node : List.of("a", "b", "c")) {
            Path file = dir.resolve(node).resolve("work/data").resolve(provider).resolve(log);
            try {
                if (Files.exists(file) && Files.readAllLines(file).stream().map(String::strip).collect(Collectors.toSet()).contains(id)) {
                    return true;
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return false;
    }
}
