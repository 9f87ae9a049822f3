package dev.capfabric.kernel.http;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Starts watching the clients of handlers that have waited {@link ClientConnection#WATCH_AFTER}.
 *
 * <p>One virtual thread per server looks over the waiting handlers twice per delay, and only while
 * some handler waits. A handler costs two set operations, where a timer per request would cost a
 * scheduled task and its cancellation on every job, most of which end long before the delay.
 */
final class WatchSweeper {

    private final Set<ClientConnection.Watch> waiting = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private final long afterNanos = ClientConnection.WATCH_AFTER.toNanos();

    void add(ClientConnection.Watch watch) {
        waiting.add(watch);
        if (!sweeping.get() && sweeping.compareAndSet(false, true)) {
            Thread.ofVirtual().name("capfabric-client-watch-sweeper").start(this::sweep);
        }
    }

    void remove(ClientConnection.Watch watch) {
        waiting.remove(watch);
    }

    private void sweep() {
        Duration period = ClientConnection.WATCH_AFTER.dividedBy(2);
        while (true) {
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                sweeping.set(false);
                return;
            }
            long now = System.nanoTime();
            for (ClientConnection.Watch watch : waiting) {
                if (now - watch.openedNanos() >= afterNanos && waiting.remove(watch)) {
                    watch.startReading();
                }
            }
            if (waiting.isEmpty()) {
                sweeping.set(false);
                // a handler may have started waiting since the check: whoever wins the flag sweeps on
                if (waiting.isEmpty() || !sweeping.compareAndSet(false, true)) {
                    return;
                }
            }
        }
    }
}
