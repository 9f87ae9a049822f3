package dev.capfabric.kernel.cli;

import dev.capfabric.kernel.config.InvalidSettingsException;
import dev.capfabric.kernel.fabric.identity.Certificates;
import dev.capfabric.kernel.fabric.identity.FabricIdentities;
import dev.capfabric.kernel.fabric.identity.FabricStore;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code capfabric nats-config --nodes a,b,c --port 4222 --out DIR [--tls]}: the fabric's NATS
 * security in one step (see {@link FabricIdentities}).
 */
final class NatsConfigCommand implements Command {

    @Override
    public String name() {
        return "nats-config";
    }

    @Override
    public String summary() {
        return "nats-config --nodes a,b,c --port 4222 --out DIR [--tls] [--admin-nodes a]   nats-server config and one NATS identity per node";
    }

    @Override
    public String usage() {
        return """
                Usage: capfabric nats-config --nodes ID[,ID...] --port PORT --out DIR [--tls] [--admin-nodes ID[,ID...]]
                                             [--hosts HOST[,HOST...]] [--listen ADDRESS] [--prefix PREFIX] [--observers NAME[,NAME...]]
                                             [--payloads-bucket NAME]

                Writes the NATS security of a fabric, so that each node may publish only as itself:
                  DIR/nats-server.conf      listening on PORT, JetStream stored in DIR/jetstream; one NKey user per node
                                            allowed exactly its own subjects, its own inbox (_INBOX.<id>.>), discovery,
                                            heartbeats, jobs to others, cancels of its own jobs and the fabric's
                                            JetStream buckets; the operator allowed everything (admin verbs only for it
                                            and the admin identities)
                  DIR/nodes/<id>.creds      each node's identity (CAPFABRIC_NATS_CREDENTIALS)
                  DIR/nodes/<id>.env        each node's settings (node id, NATS URL, credentials, CA), for systemd's
                                            EnvironmentFile or `set -a; . DIR/nodes/<id>.env; set +a`
                  DIR/nodes/<id>.admin.creds with --admin-nodes: the node's admin identity, allowed the admin verbs of
                                            every node (CAPFABRIC_NATS_ADMIN__CREDENTIALS, in its .env): its HTTP admin
                                            routes /admin/nodes/<other>/... carry what an admin API key asks over it
                  DIR/operator.creds        the operator's identity (for `nats --nkey DIR/operator.creds ...`)
                  DIR/observers/<n>.creds   with --observers: identities that may only subscribe
                  DIR/tls/                  with --tls: ca.pem (CAPFABRIC_NATS_TLS_CA), ca-key.pem, server-cert.pem,
                                            server-key.pem (made with openssl; the server requires TLS)
                Secrets are written readable by their owner only. Run it again to add nodes: every identity is new.

                  --nodes     node ids, comma-separated
                  --port      the port nats-server listens on
                  --out       the folder to write
                  --tls       TLS with a new private CA
                  --admin-nodes  nodes whose HTTP admin routes may act on other nodes (the console's node); default none:
                              then a node's /admin routes act on itself only, and the node identities never send admin verbs
                  --hosts     names/addresses nodes reach the server by, in its certificate; the first goes into the
                              nodes' URL (default: this host's name, localhost, 127.0.0.1)
                  --listen    the address nats-server binds (default 0.0.0.0)
                  --prefix    the fabric's subject prefix (default capfabric)
                  --payloads-bucket  the Object Store bucket of large payloads (fabric.payloads.bucket; default capfabric-payloads)
                """;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        Options options = Options.parse(args, Set.of("nodes", "port", "out", "hosts", "listen", "prefix", "observers",
                "admin-nodes", "payloads-bucket"), Set.of("tls"));
        int port;
        try {
            port = Integer.parseInt(options.required("port").strip());
        } catch (NumberFormatException e) {
            throw new UsageException("--port must be a number");
        }
        FabricIdentities identities;
        try {
            identities = new FabricIdentities(list(options.required("nodes")),
                    options.value("observers").map(NatsConfigCommand::list).orElse(List.of()),
                    options.value("admin-nodes").map(NatsConfigCommand::list).orElse(List.of()),
                    FabricStore.defaults(options.value("prefix").orElse("capfabric"),
                            options.value("payloads-bucket").orElse("capfabric-payloads")),
                    options.value("prefix").orElse("capfabric"),
                    options.value("listen").orElse("0.0.0.0"),
                    port,
                    options.value("hosts").map(NatsConfigCommand::list).orElseGet(NatsConfigCommand::defaultHosts),
                    options.flag("tls"));
        } catch (IllegalArgumentException | InvalidSettingsException e) {
            throw new UsageException(e.getMessage());
        }
        FabricIdentities.Written written;
        try {
            written = identities.write(Path.of(options.required("out")), new SecureRandom(),
                    identities.tls() ? Certificates.fromPath() : null);
        } catch (IOException | IllegalStateException e) {
            err.println("capfabric nats-config: " + e.getMessage());
            return 1;
        }
        out.println("wrote " + written.files().size() + " files:");
        written.files().forEach(file -> out.println("  " + file));
        out.println("start the server:  nats-server -c " + written.config());
        out.println("start node <id>:   set -a; . " + written.config().getParent().resolve("nodes") + "/<id>.env; set +a; bin/capfabric");
        out.println("nodes join " + identities.url());
        return 0;
    }

    private static List<String> list(String value) {
        return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private static List<String> defaultHosts() {
        List<String> hosts = new ArrayList<>();
        try {
            String name = InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
            if (!name.isBlank() && !name.equals("localhost")) {
                hosts.add(name);
            }
        } catch (IOException e) {
            // this host's name is a convenience: localhost and 127.0.0.1 remain
        }
        hosts.add("localhost");
        hosts.add("127.0.0.1");
        return hosts;
    }
}
