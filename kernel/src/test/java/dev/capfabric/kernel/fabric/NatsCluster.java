package dev.capfabric.kernel.fabric;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Three real {@code nats-server}s routed into one cluster with JetStream (each its own store), on free
 * loopback ports: what a fleet runs under the fabric. {@link #await()} returns once JetStream has a meta
 * leader and takes requests, which takes a cluster a few seconds after start.
 */
final class NatsCluster implements AutoCloseable {

    private final List<NatsTestServer> servers;
    private final List<Integer> clientPorts;

    private NatsCluster(List<NatsTestServer> servers, List<Integer> clientPorts) {
        this.servers = servers;
        this.clientPorts = clientPorts;
    }

    /** Starts three servers named n1..n3 in cluster {@code capfabric-test}. */
    static NatsCluster start(Path dir) {
        try {
            List<Integer> clients = new ArrayList<>();
            List<Integer> routes = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                clients.add(NatsTestServer.freePort());
                routes.add(NatsTestServer.freePort());
            }
            String routeList = routes.stream().map(p -> "nats-route://127.0.0.1:" + p).collect(Collectors.joining(", "));
            List<NatsTestServer> servers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Path config = dir.resolve("n" + (i + 1) + ".conf");
                Files.createDirectories(dir);
                Files.writeString(config, """
                        server_name: n%d
                        listen: 127.0.0.1:%d
                        jetstream {
                          store_dir: "%s"
                        }
                        cluster {
                          name: capfabric-test
                          listen: 127.0.0.1:%d
                          routes: [%s]
                        }
                        """.formatted(i + 1, clients.get(i), dir.resolve("js-n" + (i + 1)), routes.get(i), routeList));
                servers.add(NatsTestServer.withConfig(config, clients.get(i)));
            }
            return new NatsCluster(servers, clients);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until JetStream answers through every server; fails after 30 s. */
    NatsCluster await() {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (String url : urls()) {
            while (true) {
                try (Connection nats = Nats.connect(new Options.Builder().server(url).connectionTimeout(Duration.ofSeconds(2)).build())) {
                    nats.jetStreamManagement().getAccountStatistics();
                    break;
                } catch (Exception notYet) {
                    if (System.nanoTime() > end) {
                        throw new IllegalStateException("JetStream of the cluster did not answer through " + url + " within 30 s", notYet);
                    }
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
        return this;
    }

    /** Every server's client URL, in order. */
    List<String> urls() {
        return clientPorts.stream().map(p -> "nats://127.0.0.1:" + p).toList();
    }

    /** The seed list a node is configured with: every server, comma-separated. */
    String seeds() {
        return String.join(",", urls());
    }

    /** Kills server {@code index} (0 to 2) with SIGKILL. */
    void kill(int index) {
        servers.get(index).kill();
    }

    @Override
    public void close() {
        servers.forEach(NatsTestServer::close);
    }
}
