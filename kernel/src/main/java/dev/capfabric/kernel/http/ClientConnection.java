package dev.capfabric.kernel.http;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.webserver.ServerConnectionException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
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
 * <p>It also guards the edge of the connection. The first request line is checked before Helidon
 * sees it ({@link FirstRequestLine}): what Helidon would close without a word is answered with a JSON
 * error, and HTTP/1.0 is served. While a handler reads a request body ({@link #readBody}), the bytes
 * that arrive are charged to the server's {@link BodyBudget} and reads that wait longer than the
 * idle timeout fail, so a client that declares a large body and sends little holds little, and not
 * for long.
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
    private static final long WATCH_AFTER_NANOS = WATCH_AFTER.toNanos();
    /** How long a connection whose handlers opened no watch stays with the sweeper. */
    private static final long SWEPT_WHILE_IDLE_NANOS = Duration.ofSeconds(1).toNanos();

    /** One handler's watch on its client; closing it stops the watch. */
    final class Watch implements AutoCloseable {
        private final Runnable onGone;
        private final long openedNanos = System.nanoTime();
        private volatile boolean gone;
        private boolean swept; // only the sweeper's thread reads and writes it

        private Watch(Runnable onGone) {
            this.onGone = onGone;
        }

        /** Whether the client went away while this watch was open. */
        boolean clientGone() {
            return gone;
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

    /**
     * A request body being read: what arrives while it is open is charged to the budget until it is
     * closed, and reads fail when nothing arrives for the idle timeout.
     */
    final class BodyRead implements AutoCloseable {
        private final long idleNanos;
        private final long slack;
        private final LongSupplier consumed;
        private long delivered;
        private long charged;

        private BodyRead(long idleNanos, long slack, LongSupplier consumed) {
            this.idleNanos = idleNanos;
            this.slack = slack;
            this.consumed = consumed;
        }

        /** Charges bytes handed to Helidon; refuses them past the budget or past the framing slack. */
        private void deliver(int bytes) {
            if (!budget.tryReserve(bytes)) {
                throw new RequestBodies.Refused(503, "busy", "request bodies in flight on this node are at their limit of "
                        + budget.limit() + " bytes; retry later");
            }
            charged += bytes;
            delivered += bytes;
            if (delivered - consumed.getAsLong() > slack) {
                throw new RequestBodies.Refused(400, "bad_input", "the body's chunk framing holds more than " + slack + " bytes of data not yet decoded");
            }
        }

        /** Stops timing reads (the body is read); what was charged stays charged until {@link #close}. */
        void finishReading() {
            if (body == this) {
                body = null;
            }
        }

        /** Gives back what was charged; idempotent. */
        @Override
        public void close() {
            finishReading();
            long give = charged;
            charged = 0;
            budget.release(give);
        }
    }

    private final HelidonSocket socket;
    private final DataWriter writer;
    private final BodyBudget budget;
    private final WatchSweeper sweeper;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readFinished = lock.newCondition();
    private final ArrayDeque<byte[]> ahead = new ArrayDeque<>(4);
    private int aheadBytes;
    private boolean ended;
    private RuntimeException failure;
    private boolean reading;
    private volatile Watch watch; // written under the lock; the sweeper reads it without
    private volatile long lastWatchNanos;
    private volatile boolean served; // Helidon is done with the connection
    private final AtomicBoolean swept = new AtomicBoolean(); // whether the sweeper holds this connection
    // Only the connection's own thread reads and writes it: Helidon's reads (get), the handlers that read
    // bodies (readBody, BodyRead) and the lingering close all run on it, so it takes no lock; a lock pair
    // on each of a job's reads and finishes was a measurable part of a small job's cost (docs/BENCHMARKS.md)
    private BodyRead body;
    private boolean firstLineChecked;
    private volatile boolean lingerOnClose;

    /**
     * @param socket      the connection's socket
     * @param writer      the connection's writer, for refusing a malformed first request
     * @param alreadyRead what Helidon read before handing the connection over (while telling
     *                    protocols apart); served first
     * @param budget      the server's request-body budget
     * @param sweeper     looks over this connection while its handlers open watches, and starts reading
     *                    for a watch open {@link #WATCH_AFTER}
     */
    ClientConnection(HelidonSocket socket, DataWriter writer, DataReader alreadyRead, BodyBudget budget, WatchSweeper sweeper) {
        this.socket = requireNonNull(socket, "socket is null");
        this.writer = requireNonNull(writer, "writer is null");
        this.budget = requireNonNull(budget, "budget is null");
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
        if (!firstLineChecked) {
            firstLineChecked = true;
            return firstRequest();
        }
        lock.lock();
        BodyRead timed = body;
        try {
            if (timed != null && ahead.isEmpty() && !reading && !ended && failure == null) {
                // a body read is timed: the read-ahead thread reads while this one waits at most the idle timeout
                reading = true;
                Thread.ofVirtual().name("capfabric-body-read").start(this::readAhead);
            }
            long waitNanos = timed == null ? 0 : timed.idleNanos;
            while (ahead.isEmpty() && reading) {
                if (timed == null) {
                    readFinished.await();
                } else if (waitNanos <= 0) {
                    throw new RequestBodies.Refused(408, "timeout", "the request body sent nothing for "
                            + Duration.ofNanos(timed.idleNanos).toMillis() + " ms");
                } else {
                    waitNanos = readFinished.awaitNanos(waitNanos);
                }
            }
            byte[] next = ahead.poll();
            if (next != null) {
                aheadBytes -= next.length;
                if (timed != null) {
                    timed.deliver(next.length);
                }
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
     * Starts reading a request body on this connection: until the returned handle is finished, a read
     * that waits longer than {@code idle} fails with {@link RequestBodies.Refused} (408), bytes past the budget
     * fail with 503, and more than {@code slack} bytes delivered beyond what the handler has decoded
     * ({@code consumed}) fail with 400 (chunk framing that only buffers).
     */
    BodyRead readBody(Duration idle, long slack, LongSupplier consumed) {
        BodyRead started = new BodyRead(idle.toNanos(), slack, requireNonNull(consumed, "consumed is null"));
        body = started;
        return started;
    }

    /**
     * Asks for a lingering close: the connection ends after an answer that left request bytes unread,
     * and closing a socket with unread input resets it, which can destroy the answer before the client
     * reads it. See {@link #linger}.
     */
    void lingerOnClose() {
        lingerOnClose = true;
    }

    /**
     * If a lingering close was asked for: reads and discards what the client still sends, until it
     * closes, {@code most} bytes were read, nothing came for {@code quiet}, or {@code time} passed, so
     * the close that follows finds little or nothing unread. A client still sending the body it
     * declared (one refused 413 at its headers, say) is drained to its end, so it reads the answer
     * rather than a reset; a client that sends nothing more is let go after {@code quiet}. Bounded
     * both ways: a client streaming without end is not read whole.
     */
    void linger(Duration time, Duration quiet, long most) {
        if (!lingerOnClose) {
            return;
        }
        long now = System.nanoTime();
        long end = now + time.toNanos();
        long lastByte = now;
        long discarded = 0;
        lock.lock();
        try {
            body = null;
            watch = null;
            while (discarded < most && !ended && failure == null) {
                byte[] next = ahead.poll();
                if (next != null) {
                    aheadBytes -= next.length;
                    discarded += next.length;
                    lastByte = System.nanoTime();
                    continue;
                }
                if (!reading) {
                    reading = true;
                    Thread.ofVirtual().name("capfabric-linger").start(this::readAhead);
                }
                now = System.nanoTime();
                long left = Math.min(end - now, lastByte + quiet.toNanos() - now);
                if (left <= 0) {
                    return;
                }
                readFinished.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /** The first request's bytes, checked (and for HTTP/1.0 rewritten) before Helidon parses them. */
    private byte[] firstRequest() {
        byte[] seen = new byte[0];
        while (true) {
            byte[] more;
            lock.lock();
            try {
                more = ahead.poll();
                if (more != null) {
                    aheadBytes -= more.length;
                }
            } finally {
                lock.unlock();
            }
            if (more == null) {
                more = readSocket();
            }
            if (more == null) {
                return null; // the client left before sending a whole request line
            }
            byte[] joined = Arrays.copyOf(seen, seen.length + more.length);
            System.arraycopy(more, 0, joined, seen.length, more.length);
            seen = joined;
            switch (FirstRequestLine.inspect(seen)) {
                case FirstRequestLine.NeedMore ignored -> {
                }
                case FirstRequestLine.Pass pass -> {
                    return pass.bytes();
                }
                case FirstRequestLine.Refuse refuse -> {
                    lingerOnClose = true;
                    refuse(refuse);
                    return null; // Helidon sees the end of the stream and closes the connection
                }
            }
        }
    }

    private void refuse(FirstRequestLine.Refuse refuse) {
        byte[] json = Json.bytes(ApiError.of(refuse.status() == 414 || refuse.status() == 431 ? "too_large" : "bad_input",
                refuse.message(), Map.of()));
        byte[] head = ("HTTP/1.1 " + refuse.status() + " " + refuse.reason() + "\r\n"
                + "Content-Type: application/json\r\n"
                + "Content-Length: " + json.length + "\r\n"
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] answer = Arrays.copyOf(head, head.length + json.length);
        System.arraycopy(json, 0, answer, head.length, json.length);
        try {
            writer.writeNow(BufferData.create(answer));
        } catch (RuntimeException e) {
            // the client is gone already; closing is all that is left
        }
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
            return opened;
        }
        lastWatchNanos = opened.openedNanos;
        // a connection stays with the sweeper while its handlers keep opening watches: a job costs no
        // set operations, only the first of a run of jobs on the connection (see sweep)
        if (!swept.get() && swept.compareAndSet(false, true)) {
            sweeper.add(this);
        }
        return opened;
    }

    /**
     * The sweeper's look at this connection ({@link WatchSweeper}, twice per {@link #WATCH_AFTER}): starts
     * reading for a watch open that long. Returns false once no handler opened a watch for a second, or
     * the connection was {@linkplain #served served}: the sweeper then lets it go ({@link #unswept}) until
     * its next watch.
     */
    boolean sweep(long now) {
        Watch open = watch;
        if (open == null) {
            return !served && now - lastWatchNanos < SWEPT_WHILE_IDLE_NANOS;
        }
        if (!open.swept && now - open.openedNanos >= WATCH_AFTER_NANOS) {
            open.swept = true;
            startReading(open);
        }
        return true;
    }

    /** Helidon is done with this connection: the sweeper lets it go at its next look. */
    void served() {
        served = true;
    }

    /**
     * Called by the sweeper after it let this connection go; true if a watch opened meanwhile, and the
     * sweeper must take the connection back. A watch opened at the same moment either sees the flag
     * cleared and adds the connection itself, or is seen here (both sides write, then read, volatiles).
     */
    boolean unswept() {
        swept.set(false);
        return watch != null && swept.compareAndSet(false, true);
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
