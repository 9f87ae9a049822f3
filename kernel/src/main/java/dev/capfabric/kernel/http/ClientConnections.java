package dev.capfabric.kernel.http;

import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProtocolConfigs;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionProvider;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;

import static java.util.Objects.requireNonNull;

/**
 * Helidon's HTTP/1 connections, each able to tell a waiting handler that its client went away.
 *
 * <p>Added to the web server as its first connection selector, it serves HTTP/1 as Helidon's own
 * selector does, except that a connection's bytes pass through a {@link ClientConnection}, which
 * handlers on that connection reach through {@link #current()}. Helidon 4 runs an HTTP/1 handler on
 * the connection's own thread, so the connection is bound to that thread while it serves requests.
 *
 * <p>It takes every connection, where Helidon's selector takes only those whose first line ends in
 * {@code HTTP/1.1} and closes the rest without an answer: the {@link ClientConnection} answers those
 * itself ({@link FirstRequestLine}).
 */
public final class ClientConnections implements ServerConnectionSelector {

    private static final ScopedValue<ClientConnection> CURRENT = ScopedValue.newInstance();
    /** How long, and for how many bytes, a connection closed with request bytes unread keeps reading. */
    /*
     * A lingering close drains a refused body while its client keeps sending (a 413 at the headers of a
     * 1.2 MB upload must reach a client that writes its whole body before it reads), and lets a client
     * that sends nothing go at once: loopback and LAN clients send many MB a second, so 64 MiB in 5 s
     * covers any body a client would send to a node that refuses it, and a pause of 300 ms means the
     * client stopped.
     */
    private static final Duration LINGER_TIME = Duration.ofSeconds(5);
    private static final Duration LINGER_QUIET = Duration.ofMillis(300);
    private static final long LINGER_BYTES = 64L * 1024 * 1024;

    private final ServerConnectionSelector http1;
    private final BodyBudget budget;
    private final WatchSweeper sweeper = new WatchSweeper();

    private ClientConnections(ServerConnectionSelector http1, BodyBudget budget) {
        this.http1 = requireNonNull(http1, "http1 is null");
        this.budget = requireNonNull(budget, "budget is null");
    }

    /**
     * HTTP/1 with Helidon's upgrades, request lines up to {@link FirstRequestLine#MAX_LINE} bytes, and
     * request bodies held within {@code maxInflightBodyBytes} across all connections. Answer headers are
     * not validated again as they are written: {@link CloseAfterAnswer} drops unsafe ones ({@link AnswerHeaders}).
     */
    public static ClientConnections http1(long maxInflightBodyBytes) {
        // answer headers are checked once per answer by the kernel (AnswerHeaders), not again by Helidon as it writes them
        Http1Config config = Http1Config.builder().maxPrologueLength(FirstRequestLine.MAX_LINE).validateResponseHeaders(false).build();
        return new ClientConnections(new Http1ConnectionProvider().create("@default", config, ProtocolConfigs.create(List.of())),
                new BodyBudget(maxInflightBodyBytes));
    }

    /** The request-body bytes held now by all connections of this selector (for tests and metrics). */
    public long bodyBytesHeld() {
        return budget.reserved();
    }

    /** The connection of the request being handled on this thread, if it came through such a selector. */
    static Optional<ClientConnection> current() {
        return CURRENT.isBound() ? Optional.of(CURRENT.get()) : Optional.empty();
    }

    @Override
    public int bytesToIdentifyConnection() {
        return http1.bytesToIdentifyConnection();
    }

    @Override
    public Support supports(io.helidon.common.buffers.BufferData request) {
        // every connection: what Helidon's selector would refuse in silence is answered (FirstRequestLine)
        return Support.SUPPORTED;
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return http1.supportedApplicationProtocols();
    }

    @Override
    public ServerConnection connection(ConnectionContext context) {
        ClientConnection client = new ClientConnection(context.serverSocket(), context.dataWriter(), context.dataReader(), budget, sweeper);
        ServerConnection connection = http1.connection(new WatchedContext(context, DataReader.create(client)));
        return new WatchedConnection(connection, client);
    }

    /**
     * Helidon's connection, run with its {@link ClientConnection} bound to the serving thread; when it
     * ends after an answer that left request bytes unread, it lingers before Helidon closes the socket.
     */
    private record WatchedConnection(ServerConnection delegate, ClientConnection client) implements ServerConnection {
        @Override
        public void handle(Semaphore requestSemaphore) throws InterruptedException {
            try {
                ScopedValue.where(CURRENT, client).call(() -> {
                    delegate.handle(requestSemaphore);
                    return null;
                });
            } finally {
                client.served();
                client.linger(LINGER_TIME, LINGER_QUIET, LINGER_BYTES);
            }
        }

        @Override
        public void handle(Limit limit) throws InterruptedException {
            try {
                ScopedValue.where(CURRENT, client).call(() -> {
                    delegate.handle(limit);
                    return null;
                });
            } finally {
                client.served();
                client.linger(LINGER_TIME, LINGER_QUIET, LINGER_BYTES);
            }
        }

        @Override
        public Duration idleTime() {
            return delegate.idleTime();
        }

        @Override
        public void close(boolean interrupt) {
            delegate.close(interrupt);
        }
    }

    /** Helidon's connection context, reading through the {@link ClientConnection}. */
    private record WatchedContext(ConnectionContext delegate, DataReader dataReader) implements ConnectionContext {
        @Override
        public ListenerContext listenerContext() {
            return delegate.listenerContext();
        }

        @Override
        public ExecutorService executor() {
            return delegate.executor();
        }

        @Override
        public DataWriter dataWriter() {
            return delegate.dataWriter();
        }

        @Override
        public Router router() {
            return delegate.router();
        }

        @Override
        public Optional<ProxyProtocolData> proxyProtocolData() {
            return delegate.proxyProtocolData();
        }

        @Override
        public HelidonSocket serverSocket() {
            return delegate.serverSocket();
        }

        @Override
        public PeerInfo remotePeer() {
            return delegate.remotePeer();
        }

        @Override
        public PeerInfo localPeer() {
            return delegate.localPeer();
        }

        @Override
        public boolean isSecure() {
            return delegate.isSecure();
        }

        @Override
        public String socketId() {
            return delegate.socketId();
        }

        @Override
        public String childSocketId() {
            return delegate.childSocketId();
        }
    }
}
