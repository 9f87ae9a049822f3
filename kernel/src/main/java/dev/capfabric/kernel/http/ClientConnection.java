package dev.capfabric.kernel.http;

import io.helidon.common.buffers.DataReader;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.webserver.ServerConnectionException;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * The inbound bytes of one HTTP/1 connection, and a way to learn that its client went away while a
 * handler waits.
 *
 * <p>Helidon reads a connection only between requests: while a handler blocks on a job nobody reads
 * the socket, so a client that closes it would go unnoticed until its answer is written. A
 * {@linkplain #watch watch} closes that gap. A virtual thread reads ahead on the connection and keeps
 * what it reads for Helidon's next read, in order, so pipelined requests are not lost; end of stream
 * or a broken connection means the client is gone. A client that half-closes its side and still
 * waits for the answer counts as gone too, as it does for most proxies.
 *
 * <p>Reading starts only once a handler has waited {@link #WATCH_AFTER}: most jobs are done by then,
 * and reading ahead on every request would put a thread hand-off into each one's path. A client that
 * leaves a longer job is noticed once the handler has waited 20 to 30 ms ({@link WatchSweeper}).
 *
 * <p>Guarantees: at most one thread reads the socket at any time; bytes reach Helidon exactly once
 * and in order; at most {@link #MAX_AHEAD} bytes are held (a client that pipelines more is no longer
 * watched until Helidon has read them).
 */
final class ClientConnection implements Supplier<byte[]> {

    /** The most bytes read ahead and held for Helidon. */
    static final int MAX_AHEAD = 64 * 1024;

    /** How long a handler waits before its client is watched. */
    static final Duration WATCH_AFTER = Duration.ofMillis(20);

    /** One handler's watch on its client; closing it stops the watch. */
    final class Watch implements AutoCloseable {
        private final Runnable onGone;
        private final long openedNanos = System.nanoTime();
        private volatile boolean gone;

        private Watch(Runnable onGone) {
            this.onGone = onGone;
        }

        /** Whether the client went away while this watch was open. */
        boolean clientGone() {
            return gone;
        }

        long openedNanos() {
            return openedNanos;
        }

        /** Starts reading ahead for this watch, if it is still open (called by the {@link WatchSweeper}). */
        void startReading() {
            ClientConnection.this.startReading(this);
        }

        private void fire() {
            gone = true;
            onGone.run();
        }

        @Override
        public void close() {
            unwatch(this);
        }
    }

    private final HelidonSocket socket;
    private final WatchSweeper sweeper;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readFinished = lock.newCondition();
    private final ArrayDeque<byte[]> ahead = new ArrayDeque<>(4);
    private int aheadBytes;
    private boolean ended;
    private RuntimeException failure;
    private boolean reading;
    private Watch watch;

    /**
     * @param socket      the connection's socket
     * @param alreadyRead what Helidon read before handing the connection over (while telling
     *                    protocols apart); served first
     * @param sweeper     starts watches that have waited {@link #WATCH_AFTER}
     */
    ClientConnection(HelidonSocket socket, DataReader alreadyRead, WatchSweeper sweeper) {
        this.socket = requireNonNull(socket, "socket is null");
        this.sweeper = requireNonNull(sweeper, "sweeper is null");
        int available = alreadyRead.available();
        if (available > 0) {
            byte[] first = alreadyRead.readBytes(available);
            ahead.add(first);
            aheadBytes = first.length;
        }
    }

    /** Helidon's read: bytes read ahead first, else the socket; null at end of stream. */
    @Override
    public byte[] get() {
        lock.lock();
        try {
            while (ahead.isEmpty() && reading) {
                readFinished.await();
            }
            byte[] next = ahead.poll();
            if (next != null) {
                aheadBytes -= next.length;
                return next;
            }
            if (failure != null) {
                throw failure;
            }
            if (ended) {
                return null;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServerConnectionException("interrupted while reading from the client", e);
        } finally {
            lock.unlock();
        }
        // nobody else reads now: the watch thread starts only while a handler of this connection waits
        return readSocket();
    }

    /**
     * Calls {@code onGone} once, from another thread, if the client closes or breaks the connection
     * before the returned watch is closed; at once if it is known to be gone already.
     */
    Watch watch(Runnable onGone) {
        Watch opened = new Watch(requireNonNull(onGone, "onGone is null"));
        boolean goneAlready;
        lock.lock();
        try {
            goneAlready = ended || failure != null;
            if (!goneAlready) {
                watch = opened;
            }
        } finally {
            lock.unlock();
        }
        if (goneAlready) {
            opened.fire();
        } else {
            sweeper.add(opened);
        }
        return opened;
    }

    private void startReading(Watch waiting) {
        lock.lock();
        try {
            if (watch != waiting || reading || aheadBytes >= MAX_AHEAD) {
                return;
            }
            reading = true;
        } finally {
            lock.unlock();
        }
        Thread.ofVirtual().name("capfabric-client-watch").start(this::readAhead);
    }

    private void unwatch(Watch closed) {
        lock.lock();
        try {
            if (watch == closed) {
                watch = null;
            }
        } finally {
            lock.unlock();
        }
        sweeper.remove(closed);
    }

    /** Runs on the watch thread, which owns {@code reading} until it leaves. */
    private void readAhead() {
        boolean more = true;
        while (more) {
            byte[] chunk = null;
            RuntimeException broken = null;
            try {
                chunk = readSocket();
            } catch (RuntimeException e) {
                broken = e;
            }
            Watch gone = null;
            lock.lock();
            try {
                if (broken != null || chunk == null) {
                    failure = broken;
                    ended = chunk == null && broken == null;
                    gone = watch;
                    watch = null;
                    more = false;
                } else {
                    ahead.add(chunk);
                    aheadBytes += chunk.length;
                    more = watch != null && aheadBytes < MAX_AHEAD;
                }
                reading = more;
                readFinished.signalAll();
            } finally {
                lock.unlock();
            }
            if (gone != null) {
                gone.fire();
            }
        }
    }

    private byte[] readSocket() {
        try {
            return socket.get();
        } catch (RuntimeException e) {
            throw new ServerConnectionException("Failed to get data from socket", e);
        }
    }
}
