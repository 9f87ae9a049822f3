package dev.capfabric.kernel.fabric.identity;

import dev.capfabric.kernel.config.NodeId;
import io.nats.client.NKey;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * Generates a fabric's NATS security in one step: a {@code nats-server.conf} with JetStream (its store
 * under {@code <out>/jetstream}) whose authorization gives each node an NKey identity with
 * {@link NodePermissions}, an operator identity allowed everything (the admin verbs included),
 * optionally an admin identity for chosen nodes (to carry HTTP admin requests to other nodes),
 * subscribe-only observers and TLS with a private CA; and one credentials file per identity.
 *
 * <p>NKey users in the server's own configuration need no operator/account JWT set-up and work with
 * the {@code nats-server} Debian ships (2.9). A credentials file holds the identity's NKey seed in the
 * decorated form NATS tools read ({@code nats --nkey FILE}; jnats reads it as the seed file of
 * {@code Nats.credentials(null, FILE)}); it is readable by its owner only.
 *
 * @param nodes     node ids, at least one
 * @param observers names of subscribe-only identities (monitoring); may be empty
 * @param adminNodes nodes that also get an admin identity ({@code nodes/<id>.admin.creds}), so their HTTP
 *                   admin routes can act on other nodes; each must be one of {@code nodes}
 * @param stores    the fabric's JetStream assets, granted as {@link FabricStore} says
 * @param prefix    the fabric's subject prefix
 * @param listen    the address nats-server listens on
 * @param port      its port
 * @param hosts     names and addresses nodes reach the server by; the first goes into the nodes' URL
 * @param tls       whether the server requires TLS (certificates made by {@link Certificates})
 */
public record FabricIdentities(List<String> nodes, List<String> observers, List<String> adminNodes, List<FabricStore> stores,
                               String prefix, String listen, int port, List<String> hosts, boolean tls) {

    public FabricIdentities {
        nodes = List.copyOf(new LinkedHashSet<>(nodes));
        observers = List.copyOf(new LinkedHashSet<>(observers));
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("name at least one node");
        }
        nodes.forEach(NodeId::require);
        for (String observer : observers) {
            if (!NodeId.isValid(observer) || nodes.contains(observer) || observer.equals("operator")) {
                throw new IllegalArgumentException("invalid observer name '" + observer + "': like a node id, and not a node's");
            }
        }
        adminNodes = List.copyOf(new LinkedHashSet<>(adminNodes));
        for (String admin : adminNodes) {
            if (!nodes.contains(admin)) {
                throw new IllegalArgumentException("admin node '" + admin + "' is not among the nodes " + nodes);
            }
        }
        stores = List.copyOf(stores);
        if (nodes.contains("operator")) {
            throw new IllegalArgumentException("'operator' names the operator identity; choose another node id");
        }
        requireNonNull(prefix, "prefix is null");
        requireNonNull(listen, "listen is null");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("invalid port " + port + ": expected 1-65535");
        }
        hosts = List.copyOf(hosts);
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("name at least one host");
        }
    }

    /** What was written, for the command to report. */
    public record Written(Path config, List<Path> nodeCredentials, Path operatorCredentials, List<Path> files) {
    }

    /** Writes everything under {@code out}, which may exist; files there of the same names are replaced. */
    public Written write(Path out, SecureRandom random, Certificates certificates) throws IOException {
        Path dir = out.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        Path tlsDir = dir.resolve("tls");
        if (tls) {
            certificates.caAndServer(tlsDir, "server", hosts);
            files.addAll(List.of(tlsDir.resolve("ca.pem"), tlsDir.resolve("ca-key.pem"), tlsDir.resolve("server-cert.pem"),
                    tlsDir.resolve("server-key.pem")));
        }
        StringBuilder users = new StringBuilder();
        NKey operator = newUser(random);
        Path operatorCreds = dir.resolve("operator.creds");
        writeCredentials(operatorCreds, "the operator (every subject, the admin verbs included)", operator);
        files.add(operatorCreds);
        users.append("    # the operator: every subject, the admin verbs included\n")
                .append("    { nkey: \"").append(publicKey(operator)).append("\" }\n");
        List<Path> nodeCreds = new ArrayList<>();
        for (String node : nodes) {
            NKey key = newUser(random);
            Path creds = dir.resolve("nodes").resolve(node + ".creds");
            writeCredentials(creds, "node " + node, key);
            nodeCreds.add(creds);
            files.add(creds);
            NodePermissions permissions = new NodePermissions(prefix, node, stores);
            Path adminCreds = null;
            if (adminNodes.contains(node)) {
                adminCreds = dir.resolve("nodes").resolve(node + ".admin.creds");
                NKey admin = newUser(random);
                writeCredentials(adminCreds, "node " + node + "'s admin identity (carries HTTP admin requests to other nodes)", admin);
                files.add(adminCreds);
                users.append("    # node ").append(node).append("'s admin identity: the admin verbs of every node, used only to carry what an\n")
                        .append("    # admin API key asked for over its HTTP admin routes; answers in its own inbox\n")
                        .append("    { nkey: \"").append(publicKey(admin)).append("\", permissions: {\n")
                        .append("        publish: { allow: ").append(list(permissions.adminPublishAllow())).append(" }\n")
                        .append("        subscribe: { allow: ").append(list(permissions.adminSubscribeAllow())).append(" }\n")
                        .append("    } }\n");
            }
            Path env = dir.resolve("nodes").resolve(node + ".env");
            Secrets.write(env, nodeEnvironment(node, creds, adminCreds, tlsDir.resolve("ca.pem")));
            files.add(env);
            users.append("    # node ").append(node).append(": its own subjects and inbox, discovery, heartbeats, jobs to others\n")
                    .append("    { nkey: \"").append(publicKey(key)).append("\", permissions: {\n")
                    .append("        publish: { allow: ").append(list(permissions.publishAllow()))
                    .append(", deny: ").append(list(permissions.publishDeny())).append(" }\n")
                    .append("        subscribe: { allow: ").append(list(permissions.subscribeAllow())).append(" }\n")
                    .append("        # answers: only to requests this node received, once each\n")
                    .append("        allow_responses: true\n")
                    .append("    } }\n");
        }
        for (String observer : observers) {
            NKey key = newUser(random);
            Path creds = dir.resolve("observers").resolve(observer + ".creds");
            writeCredentials(creds, "observer " + observer + " (subscribe only)", key);
            files.add(creds);
            users.append("    # observer ").append(observer).append(": may subscribe to the fabric, never publish\n")
                    .append("    { nkey: \"").append(publicKey(key)).append("\", permissions: {\n")
                    .append("        publish: { deny: [\">\"] }\n")
                    .append("        subscribe: { allow: ").append(list(List.of(prefix + ".>", "$SRV.>"))).append(" }\n")
                    .append("    } }\n");
        }
        StringBuilder conf = new StringBuilder()
                .append("# nats-server configuration for the capfabric fabric of nodes ").append(String.join(", ", nodes)).append(".\n")
                .append("# Generated by 'capfabric nats-config': regenerate rather than edit, so that every node keeps\n")
                .append("# exactly its own permissions. Run: nats-server -c ").append(dir.resolve("nats-server.conf")).append('\n')
                .append("listen: \"").append(listen).append(':').append(port).append("\"\n")
                .append("# JetStream, for the fabric's buckets and streams: ")
                .append(stores.stream().map(FabricStore::stream).collect(Collectors.joining(", "))).append('\n')
                .append("jetstream {\n")
                .append("  store_dir: \"").append(dir.resolve("jetstream")).append("\"\n")
                .append("}\n");
        if (tls) {
            conf.append("tls {\n")
                    .append("  cert_file: \"").append(tlsDir.resolve("server-cert.pem")).append("\"\n")
                    .append("  key_file: \"").append(tlsDir.resolve("server-key.pem")).append("\"\n")
                    .append("  timeout: 2\n")
                    .append("}\n");
        }
        conf.append("authorization {\n  users: [\n").append(users).append("  ]\n}\n");
        Path config = dir.resolve("nats-server.conf");
        Secrets.write(config, conf.toString());
        files.addFirst(config);
        return new Written(config, nodeCreds, operatorCreds, files);
    }

    /** The server's URL as nodes use it. */
    public String url() {
        String host = hosts.getFirst();
        return (tls ? "tls://" : "nats://") + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    private String nodeEnvironment(String node, Path creds, Path adminCreds, Path ca) {
        StringBuilder env = new StringBuilder()
                .append("# capfabric node ").append(node).append(": its NATS identity (a systemd EnvironmentFile, or `set -a; . FILE`)\n")
                .append("CAPFABRIC_NODE_ID=").append(node).append('\n')
                .append("CAPFABRIC_NATS_URL=").append(url()).append('\n')
                .append("CAPFABRIC_NATS_CREDENTIALS=").append(creds).append('\n');
        if (adminCreds != null) {
            env.append("CAPFABRIC_NATS_ADMIN__CREDENTIALS=").append(adminCreds).append('\n');
        }
        if (!prefix.equals("capfabric")) {
            env.append("CAPFABRIC_FABRIC_SUBJECT__PREFIX=").append(prefix).append('\n');
        }
        if (tls) {
            env.append("CAPFABRIC_NATS_TLS_CA=").append(ca).append('\n');
        }
        return env.toString();
    }

    private static NKey newUser(SecureRandom random) {
        try {
            return NKey.createUser(random);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make an NKey", e);
        }
    }

    private static String publicKey(NKey key) {
        try {
            return new String(key.getPublicKey());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read an NKey's public key", e);
        }
    }

    private static void writeCredentials(Path file, String who, NKey key) throws IOException {
        Secrets.write(file, "-----BEGIN USER NKEY SEED-----\n" + new String(key.getSeed()) + "\n------END USER NKEY SEED------\n\n"
                + "# NATS identity of " + who + ", public key " + publicKey(key) + ".\n"
                + "# The seed above is a secret: whoever holds this file is that identity.\n");
    }

    private static String list(List<String> subjects) {
        return subjects.stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", ", "[", "]"));
    }
}
