package dev.capfabric.kernel.fabric;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import dev.capfabric.kernel.fabric.identity.NodePermissions;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;

import java.io.IOException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * The node's NATS connection. Connecting starts in the background, so a node whose NATS server is
 * down starts anyway and serves its local jobs; the connection then retries forever, backing off
 * from {@link NatsSettings#reconnectWait()} to {@link NatsSettings#reconnectMaxWait()} with jitter,
 * and reconnects the same way after every outage. Subscriptions survive reconnects.
 */
final class NatsLink implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NatsLink.class.getName());

    /** Hears when the link comes up: first with {@code first == true}, then after every reconnect. */
    @FunctionalInterface
    interface UpListener {
        void up(Connection connection, boolean first);
    }

    private final String nodeId;
    private final String connectionName;
    private final String inboxPrefix;
    private final NatsSettings settings;
    private final List<java.util.function.Consumer<String>> errorListeners = new CopyOnWriteArrayList<>();
    private final List<UpListener> listeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> downListeners = new CopyOnWriteArrayList<>();
    // why connecting failed, as logged since the link was last up: each cause is worth one warning
    private final java.util.Set<String> causesLogged = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile long changedAtMillis = System.currentTimeMillis();
    private final CountDownLatch firstConnect = new CountDownLatch(1);
    private volatile Connection connection;
    private volatile boolean closed;
    private volatile Thread connector;
    private volatile boolean up;
    private volatile String lastServerError;

    NatsLink(String nodeId, NatsSettings settings) {
        this(nodeId, "capfabric-" + nodeId, NodePermissions.inboxPrefix(nodeId), settings);
    }

    /**
     * @param who            names the link in log lines ("node a", or its admin identity)
     * @param connectionName the name the NATS server shows for the connection
     * @param inboxPrefix    where replies to this connection arrive (what its NATS permissions let it read)
     */
    NatsLink(String who, String connectionName, String inboxPrefix, NatsSettings settings) {
        this.nodeId = requireNonNull(who, "who is null");
        this.connectionName = requireNonNull(connectionName, "connectionName is null");
        this.inboxPrefix = requireNonNull(inboxPrefix, "inboxPrefix is null");
        this.settings = requireNonNull(settings, "settings is null");
    }

    /** Hears every error the server sends this connection (permission violations among them), on a NATS thread: must not block. */
    void addErrorListener(java.util.function.Consumer<String> listener) {
        errorListeners.add(requireNonNull(listener, "listener is null"));
    }

    void addListener(UpListener listener) {
        listeners.add(requireNonNull(listener, "listener is null"));
    }

    /** Hears when the link drops (not when it is closed), on the NATS callback thread: must not block. */
    void addDownListener(Runnable listener) {
        downListeners.add(requireNonNull(listener, "listener is null"));
    }

    /** Starts connecting in the background; listeners hear when the link is up. */
    void start() {
        Options options = options();
        LOG.log(System.Logger.Level.INFO, "node {0} joining the fabric through {1}", nodeId, settings);
        // our own loop rather than jnats' connect-asynchronously, so that closing the node stops the attempts
        connector = Thread.ofVirtual().name("capfabric-nats-connect").start(() -> connect(options));
    }

    private void connect(Options options) {
        long round = 0;
        while (!closed) {
            try {
                Connection established = Nats.connect(options);
                synchronized (this) {
                    if (closed) {
                        established.close();
                        return;
                    }
                    connection = established;
                }
                announce(established, true);
                return;
            } catch (IOException e) {
                round++;
                if (round == 1 || round % 100 == 0) {
                    LOG.log(System.Logger.Level.WARNING, "node {0} cannot reach NATS ({1}); running alone and retrying",
                            nodeId, e.getMessage());
                }
                causeOnce(e);
                try {
                    Thread.sleep(backoff(round));
                } catch (InterruptedException interrupted) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    Options options() {
        Options.Builder builder = new Options.Builder()
                .servers(settings.servers().toArray(String[]::new))
                .connectionName(connectionName)
                // replies to this node arrive under its own inbox prefix, so NATS permissions can keep them private
                .inboxPrefix(inboxPrefix)
                .maxReconnects(-1)
                .reconnectDelayHandler(this::backoff)
                .connectionTimeout(settings.connectTimeout())
                .reportNoResponders()
                .connectionListener(this::event)
                .errorListener(new Errors());
        settings.user().ifPresent(user -> builder.userInfo(user, settings.password().orElseThrow()));
        settings.token().ifPresent(token -> builder.token(token.toCharArray()));
        settings.credentials().ifPresent(path -> builder.authHandler(Credentials.handler(path)));
        if (settings.wantsTls()) {
            tls(builder);
        }
        return builder.build();
    }

    private void tls(Options.Builder builder) {
        if (settings.ca().isPresent()) {
            builder.sslContext(Credentials.trusting(settings.ca().get()));
        } else if (settings.truststore().isPresent() || settings.keystore().isPresent()) {
            settings.truststore().ifPresent(path -> builder.truststorePath(path.toString()));
            settings.truststorePassword().ifPresent(p -> builder.truststorePassword(p.toCharArray()));
            settings.keystore().ifPresent(path -> builder.keystorePath(path.toString()));
            settings.keystorePassword().ifPresent(p -> builder.keystorePassword(p.toCharArray()));
        } else {
            try {
                builder.secure();
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("this Java runtime offers no TLS", e);
            }
        }
        if (settings.tlsFirst()) {
            builder.tlsFirst();
        }
    }

    /** Wait before reconnect round {@code rounds}: doubling from the first wait up to the longest, ±20 % jitter. */
    Duration backoff(long rounds) {
        long first = settings.reconnectWait().toMillis();
        long longest = Math.max(first, settings.reconnectMaxWait().toMillis());
        long wait = first << Math.min(20, Math.max(0, rounds - 1));
        wait = Math.min(longest, wait);
        long jitter = wait / 5;
        return Duration.ofMillis(Math.max(1, wait + (jitter == 0 ? 0 : ThreadLocalRandom.current().nextLong(-jitter, jitter + 1))));
    }

    private void event(Connection source, ConnectionListener.Events event) {
        switch (event) {
            case CONNECTED -> {
                up = true;
                changedAtMillis = System.currentTimeMillis();
                lastServerError = null;
                causesLogged.clear();
                LOG.log(System.Logger.Level.INFO, "node {0} connected to NATS at {1}", nodeId, source.getConnectedUrl());
            }
            case RECONNECTED -> {
                up = true;
                changedAtMillis = System.currentTimeMillis();
                lastServerError = null;
                causesLogged.clear();
                LOG.log(System.Logger.Level.INFO, "node {0} reconnected to NATS at {1}", nodeId, source.getConnectedUrl());
                announce(source, false);
            }
            case DISCONNECTED -> {
                // also fired by every failed attempt: worth a warning only when the link was up
                boolean wasUp = up;
                up = false;
                if (wasUp && !closed) {
                    changedAtMillis = System.currentTimeMillis();
                    LOG.log(System.Logger.Level.WARNING, "node {0} lost its NATS connection; local jobs continue, reconnecting", nodeId);
                    for (Runnable listener : downListeners) {
                        try {
                            listener.run();
                        } catch (RuntimeException e) {
                            LOG.log(System.Logger.Level.WARNING, "reacting to the lost NATS link failed", e);
                        }
                    }
                }
            }
            default -> {
            }
        }
    }

    private void announce(Connection source, boolean first) {
        // off the NATS callback thread: listeners subscribe and publish, which must not block it
        Thread.ofVirtual().name("capfabric-link-up").start(() -> {
            for (UpListener listener : listeners) {
                try {
                    listener.up(source, first);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "fabric start-up step failed after connecting", e);
                }
            }
            if (first) {
                firstConnect.countDown();
            }
        });
    }

    /**
     * jnats logs every failed reconnect attempt as SEVERE by default; an outage is already reported
     * once (disconnected) and once more when it ends, so attempts log at debug level. Errors the
     * server sends (authorization, permissions) are warnings, each once until the link is up again.
     */
    private final class Errors implements ErrorListener {
        @Override
        public void errorOccurred(Connection source, String error) {
            // a refused login repeats on every reconnect attempt: say it once
            boolean repeated = error != null && error.equals(lastServerError);
            lastServerError = error;
            LOG.log(repeated ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING, "NATS server error for node {0}: {1}", nodeId, error);
            for (java.util.function.Consumer<String> listener : errorListeners) {
                try {
                    listener.accept(error);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "reacting to a NATS server error failed", e);
                }
            }
        }

        @Override
        public void exceptionOccurred(Connection source, Exception exception) {
            if (!causeOnce(exception)) {
                LOG.log(System.Logger.Level.DEBUG, "NATS connection of node {0}: {1}", nodeId, exception.toString());
            }
        }

        @Override
        public void slowConsumerDetected(Connection source, Consumer consumer) {
            LOG.log(System.Logger.Level.WARNING, "node {0} reads NATS messages too slowly; some were dropped", nodeId);
        }
    }

    /**
     * Logs why connecting failed at WARNING, the first time each distinct cause is seen since the link
     * was last up (a TLS handshake failure names the certificate problem, not just "unable to connect").
     *
     * @return whether it was logged now
     */
    boolean causeOnce(Throwable failure) {
        String cause = cause(failure);
        if (closed || causesLogged.size() >= 32 || !causesLogged.add(cause)) {
            return false;
        }
        LOG.log(System.Logger.Level.WARNING, "node {0}: NATS connection failed: {1}", nodeId, cause);
        return true;
    }

    /** Every message along a failure's chain of causes, deepest last, without repeats. */
    static String cause(Throwable failure) {
        StringBuilder text = new StringBuilder();
        java.util.Set<Throwable> visited = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Throwable t = failure; t != null && visited.add(t); t = t.getCause()) {
            String part = t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
            if (text.indexOf(part) < 0) {
                text.append(text.isEmpty() ? "" : " <- caused by ").append(part);
            }
        }
        return text.toString();
    }

    /** When the link last came up or dropped, by the system clock (milliseconds since the epoch). */
    long changedAtMillis() {
        return changedAtMillis;
    }

    /** The connection once it was first established, whether or not it is up now. */
    Optional<Connection> connection() {
        return Optional.ofNullable(connection);
    }

    /** Whether the link is up now. */
    boolean isUp() {
        Connection current = connection;
        return current != null && current.getStatus() == Connection.Status.CONNECTED;
    }

    /** Waits up to {@code timeout} for the first connection and its listeners; returns whether they were done. */
    boolean awaitFirstConnect(Duration timeout) throws InterruptedException {
        return firstConnect.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        Connection current;
        synchronized (this) {
            closed = true;
            current = connection;
        }
        Thread attempts = connector;
        if (attempts != null) {
            attempts.interrupt();
        }
        if (current != null) {
            try {
                current.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
