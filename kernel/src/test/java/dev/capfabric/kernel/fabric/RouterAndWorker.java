package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.TestNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The two-node fleet several fabric tests share: a router with no provider of its own, and a worker
 * serving {@code plugins}, on one test NATS server; ready once the router knows the worker's
 * {@code capability}. Closing it stops both nodes and the server; a start that fails stops what started.
 *
 * @param nats   the server both nodes join
 * @param router the node without providers: every job it takes goes to {@code worker}
 * @param worker the node with the plugins
 */
record RouterAndWorker(NatsTestServer nats, TestNode router, TestNode worker) implements AutoCloseable {

    static RouterAndWorker start(Path dir, NatsTestServer nats, List<Path> plugins, Map<String, String> env, String capability) {
        TestNode router = null;
        TestNode worker = null;
        try {
            router = FabricNodes.start(dir.resolve("router"), "router", List.of(), env);
            worker = FabricNodes.start(dir.resolve("worker"), "worker", plugins, env);
            TestNode knower = router;
            FabricNodes.await(() -> FabricNodes.fabric(knower).nodes(false).nodes().stream()
                            .anyMatch(n -> n.capabilities().containsKey(capability)),
                    Duration.ofSeconds(10), "the router to know the worker's " + capability + " capability");
            return new RouterAndWorker(nats, router, worker);
        } catch (RuntimeException | Error e) {
            new RouterAndWorker(nats, router, worker).close();
            throw e;
        }
    }

    @Override
    public void close() {
        for (TestNode node : new TestNode[]{router, worker}) {
            if (node != null) {
                node.close();
            }
        }
        nats.close();
    }
}
