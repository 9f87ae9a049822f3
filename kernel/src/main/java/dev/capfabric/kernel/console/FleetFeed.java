package dev.capfabric.kernel.console;

import dev.capfabric.kernel.http.Json;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * The console's live fleet feed, shared by every browser watching this node. Bounded by design:
 * <ul>
 *     <li>one picture of the fleet is taken per interval, and only while someone watches, whatever the
 *     number of watchers: a browser costs its socket, never a registry walk of its own;</li>
 *     <li>a picture equal to the last one sent is not sent again;</li>
 *     <li>each subscriber holds at most one picture not yet sent: a slow reader skips to the newest
 *     (coalesced), it never queues the history;</li>
 *     <li>at most {@code maxSubscribers} at once: one more is refused (the route answers 503).</li>
 * </ul>
 * Thread-safe. {@link #close()} ends every subscription.
 */
public final class FleetFeed implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(FleetFeed.class.getName());

    /** Said to subscribers when the feed closes; compared by identity. */
    private static final String CLOSED = new String("closed");

    private final Supplier<FleetSnapshot> source;
    private final Duration interval;
    private final int maxSubscribers;
    private final Set<Subscription> subscribers = ConcurrentHashMap.newKeySet();
    private final Object wake = new Object();
    private final Thread publisher;
    private volatile String last;
    private FleetSnapshot lastPicture; // the publisher's own
    private volatile boolean closed;

    /**
     * @param source         takes the fleet's picture
     * @param interval       the shortest time between two pictures
     * @param maxSubscribers how many may watch at once
     */
    public FleetFeed(Supplier<FleetSnapshot> source, Duration interval, int maxSubscribers) {
        this.source = requireNonNull(source, "source is null");
        this.interval = requireNonNull(interval, "interval is null");
        if (interval.isNegative() || interval.isZero() || maxSubscribers < 1) {
            throw new IllegalArgumentException("the feed's interval and subscriber limit must be positive");
        }
        this.maxSubscribers = maxSubscribers;
        this.publisher = Thread.ofVirtual().name("capfabric-fleet-feed").start(this::publish);
    }

    /** A new subscription, or empty when {@code maxSubscribers} already watch (or the feed is closed). */
    public Optional<Subscription> subscribe() {
        synchronized (subscribers) {
            if (closed || subscribers.size() >= maxSubscribers) {
                return Optional.empty();
            }
            Subscription subscription = new Subscription();
            subscribers.add(subscription);
            String current = last;
            if (current != null) {
                subscription.offer(current);
            }
            synchronized (wake) {
                wake.notifyAll();
            }
            return Optional.of(subscription);
        }
    }

    /** How many watch now. */
    public int subscribers() {
        return subscribers.size();
    }

    public int maxSubscribers() {
        return maxSubscribers;
    }

    private void publish() {
        while (!closed) {
            try {
                if (subscribers.isEmpty()) {
                    // nobody watches: nothing is taken, and the next watcher starts from a fresh picture
                    last = null;
                    lastPicture = null;
                    synchronized (wake) {
                        while (subscribers.isEmpty() && !closed) {
                            wake.wait();
                        }
                    }
                    continue;
                }
                FleetSnapshot picture = source.get();
                if (!picture.sameFleet(lastPicture)) {
                    lastPicture = picture;
                    String json = new String(Json.bytes(picture), StandardCharsets.UTF_8);
                    last = json;
                    subscribers.forEach(subscriber -> subscriber.offer(json));
                }
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // a picture that could not be taken is skipped; the next one may succeed
                LOG.log(System.Logger.Level.WARNING, "the console's fleet picture failed: " + e);
                try {
                    Thread.sleep(interval);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    /** Ends every subscription (their next read says so) and stops taking pictures. Idempotent. */
    @Override
    public void close() {
        synchronized (subscribers) {
            closed = true;
            subscribers.forEach(subscriber -> subscriber.offer(CLOSED));
        }
        publisher.interrupt();
    }

    /** One watcher's place: the newest picture it has not read yet, if any. */
    public final class Subscription implements AutoCloseable {

        private final BlockingQueue<String> pending = new ArrayBlockingQueue<>(1);

        private Subscription() {
        }

        // only the publisher (or close) offers: the slot is emptied then filled, never grows
        private synchronized void offer(String json) {
            pending.clear();
            pending.offer(json);
        }

        /**
         * The newest picture not read yet (JSON), waiting at most {@code wait}.
         *
         * @return the picture; empty when none came in time
         * @throws FeedClosedException when the feed closed: stop reading
         */
        public Optional<String> next(Duration wait) throws InterruptedException, FeedClosedException {
            String json = pending.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            if (json == CLOSED || closed) {
                throw new FeedClosedException();
            }
            return Optional.ofNullable(json);
        }

        /** Leaves the feed. Idempotent. */
        @Override
        public void close() {
            subscribers.remove(this);
        }
    }

    /** The feed closed (the node stops). */
    public static final class FeedClosedException extends Exception {
        FeedClosedException() {
            super("the fleet feed closed", null, false, false);
        }
    }
}
