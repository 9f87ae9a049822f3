package dev.capfabric.kernel.http;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Starts watching the clients of handlers that have waited {@link ClientConnection#WATCH_AFTER}.
 *
 * <p>One virtual thread per server looks over the connections whose handlers open watches, twice per
 * delay, and only while there are any. A connection joins at its first watch and leaves after a second
 * without one, so a job costs no set operation (a keep-alive client sends job after job on one
 * connection), where a timer per request would cost a scheduled task and its cancellation on every
 * job, most of which end long before the delay.
 */
final class WatchSweeper {

    private final Set<ClientConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean sweeping = new AtomicBoolean();

    void add(ClientConnection connection) {
        connections.add(connection);
        if (!sweeping.get() && sweeping.compareAndSet(false, true)) {
            Thread.ofVirtual().name("capfabric-client-watch-sweeper").start(this::sweep);
        }
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
            for (ClientConnection connection : connections) {
                if (!connection.sweep(now)) {
                    connections.remove(connection);
                    if (connection.unswept()) {
                        connections.add(connection);
                    }
                }
            }
            if (connections.isEmpty()) {
                sweeping.set(false);
                // a connection may have been added since the check: whoever wins the flag sweeps on
                if (connections.isEmpty() || !sweeping.compareAndSet(false, true)) {
                    return;
                }
            }
        }
    }
}
