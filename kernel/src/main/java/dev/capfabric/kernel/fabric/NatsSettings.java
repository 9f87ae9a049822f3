package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.config.InvalidSettingsException;
import io.helidon.config.Config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The NATS connection of a node, from {@code capfabric.nats}: servers, credentials, TLS and how
 * reconnecting backs off. Secrets never appear in {@link #toString()}.
 *
 * @param servers           one URL per server of the cluster
 * @param user              user name for user/password authentication
 * @param password          its password
 * @param token             a token for token authentication
 * @param credentials       a credentials file (JWT and NKey seed) for decentralised authentication
 * @param adminCredentials  a second identity's credentials file, used only to carry admin verbs that an
 *                          {@code admin} API key asked for over HTTP to other nodes
 *                          ({@code capfabric.nats.admin-credentials}); the node's own identity never may
 * @param tls               whether to use TLS (also implied by {@code tls://} URLs or a trust store)
 * @param ca                the server's CA certificate(s) as a PEM file (as {@code capfabric nats-config --tls} writes)
 * @param truststore        a trust store (JKS or PKCS12) holding the server's CA
 * @param truststorePassword its password
 * @param keystore          a key store holding this node's client certificate, for mutual TLS
 * @param keystorePassword  its password
 * @param tlsFirst          whether to start TLS before the NATS INFO exchange (servers with handshake_first)
 * @param reconnectWait     the first wait before reconnecting; it doubles on every failed round
 * @param reconnectMaxWait  the longest wait between reconnect rounds
 * @param connectTimeout    how long one connection attempt may take
 */
public record NatsSettings(List<String> servers,
                           Optional<String> user,
                           Optional<String> password,
                           Optional<String> token,
                           Optional<Path> credentials,
                           Optional<Path> adminCredentials,
                           boolean tls,
                           Optional<Path> ca,
                           Optional<Path> truststore,
                           Optional<String> truststorePassword,
                           Optional<Path> keystore,
                           Optional<String> keystorePassword,
                           boolean tlsFirst,
                           Duration reconnectWait,
                           Duration reconnectMaxWait,
                           Duration connectTimeout) {

    public NatsSettings {
        servers = List.copyOf(servers);
        if (servers.isEmpty()) {
            throw new InvalidSettingsException("capfabric.nats.url names no server");
        }
        for (String server : servers) {
            if (!server.matches("(nats|tls|ws|wss)://[^\\s,]+|[^\\s,:/]+(:\\d+)?")) {
                throw new InvalidSettingsException("invalid NATS server URL '" + server + "': expected nats://host:port or tls://host:port");
            }
        }
        requireNonNull(user, "user is null");
        requireNonNull(password, "password is null");
        requireNonNull(token, "token is null");
        requireNonNull(credentials, "credentials is null");
        requireNonNull(ca, "ca is null");
        requireNonNull(truststore, "truststore is null");
        if (ca.isPresent() && truststore.isPresent()) {
            throw new InvalidSettingsException("configure either capfabric.nats.tls.ca (PEM) or capfabric.nats.tls.truststore, not both");
        }
        requireNonNull(truststorePassword, "truststorePassword is null");
        requireNonNull(keystore, "keystore is null");
        requireNonNull(keystorePassword, "keystorePassword is null");
        if (user.isPresent() != password.isPresent()) {
            throw new InvalidSettingsException("capfabric.nats.user and capfabric.nats.password go together");
        }
        if (token.isPresent() && user.isPresent()) {
            throw new InvalidSettingsException("configure either capfabric.nats.token or capfabric.nats.user/password, not both");
        }
        credentials.ifPresent(path -> readable(path, "capfabric.nats.credentials"));
        requireNonNull(adminCredentials, "adminCredentials is null");
        adminCredentials.ifPresent(path -> readable(path, "capfabric.nats.admin-credentials"));
        ca.ifPresent(path -> readable(path, "capfabric.nats.tls.ca"));
        truststore.ifPresent(path -> readable(path, "capfabric.nats.tls.truststore"));
        keystore.ifPresent(path -> readable(path, "capfabric.nats.tls.keystore"));
        requireNonNull(reconnectWait, "reconnectWait is null");
        requireNonNull(reconnectMaxWait, "reconnectMaxWait is null");
        requireNonNull(connectTimeout, "connectTimeout is null");
    }

    private static void readable(Path path, String key) {
        if (!Files.isReadable(path)) {
            throw new InvalidSettingsException(key + " names " + path.toAbsolutePath() + ", which is not a readable file");
        }
    }

    /**
     * Reads the connection settings.
     *
     * @param urls      the configured URL(s), comma-separated
     * @param nats      the {@code capfabric.nats} node
     * @param heartbeat the heartbeat interval: reconnect waits stay below half of it by default, so a
     *                  returning server is rejoined before peers notice the node missing
     */
    static NatsSettings of(String urls, Config nats, Duration heartbeat) {
        List<String> servers = Arrays.stream(urls.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        long maxWait = Math.max(100, Math.min(2000, heartbeat.toMillis() / 2));
        return new NatsSettings(servers,
                text(nats, "user"),
                text(nats, "password"),
                text(nats, "token"),
                text(nats, "credentials").map(Path::of),
                text(nats, "admin-credentials").map(Path::of),
                nats.get("tls.enabled").asBoolean().orElse(false),
                text(nats, "tls.ca").map(Path::of),
                text(nats, "tls.truststore").map(Path::of),
                text(nats, "tls.truststore-password"),
                text(nats, "tls.keystore").map(Path::of),
                text(nats, "tls.keystore-password"),
                nats.get("tls.handshake-first").asBoolean().orElse(false),
                FabricSettings.millis(nats, "reconnect-wait-ms", Math.min(100, maxWait)),
                FabricSettings.millis(nats, "reconnect-max-wait-ms", maxWait),
                FabricSettings.millis(nats, "connect-timeout-ms", 2000));
    }

    private static Optional<String> text(Config config, String key) {
        return config.get(key).asString().map(String::strip).filter(s -> !s.isEmpty());
    }

    /**
     * The settings of the admin connection: the same servers, TLS and timings, authenticated by
     * {@link #adminCredentials()} alone; empty when none are configured.
     */
    public Optional<NatsSettings> admin() {
        return adminCredentials.map(path -> new NatsSettings(servers, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(path), Optional.empty(), tls, ca, truststore, truststorePassword, keystore, keystorePassword, tlsFirst,
                reconnectWait, reconnectMaxWait, connectTimeout));
    }

    /** Whether TLS is wanted, by setting, URL scheme or trust store. */
    public boolean wantsTls() {
        return tls || ca.isPresent() || truststore.isPresent() || keystore.isPresent()
                || servers.stream().anyMatch(s -> s.startsWith("tls://") || s.startsWith("wss://"));
    }

    @Override
    public String toString() {
        String auth = credentials.map(p -> "credentials " + p)
                .or(() -> user.map(u -> "user " + u))
                .or(() -> token.map(t -> "token"))
                .orElse("no authentication");
        return "NATS " + String.join(",", servers) + " (" + auth + (wantsTls() ? ", TLS" : "")
                + adminCredentials.map(p -> "; admin identity " + p).orElse("") + ")";
    }
}
