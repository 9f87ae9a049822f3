package dev.capfabric.kernel.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The request-body bytes that all requests of a server may hold together.
 *
 * <p>A body reserves room as its bytes arrive, never from what its {@code Content-Length} declares,
 * so a client that declares much and sends little holds little. Guarantees: the bytes reserved never
 * exceed {@link #limit()}; a reservation that would is refused, not waited for.
 */
final class BodyBudget {

    private final long limit;
    private final AtomicLong reserved = new AtomicLong();

    BodyBudget(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive");
        }
        this.limit = limit;
    }

    /** Reserves {@code bytes}, or returns false and reserves nothing if that would pass the limit. */
    boolean tryReserve(long bytes) {
        long now;
        do {
            now = reserved.get();
            if (now + bytes > limit) {
                return false;
            }
        } while (!reserved.compareAndSet(now, now + bytes));
        return true;
    }

    void release(long bytes) {
        // most bodies arrive with their headers and are never charged: no write to the counter all share
        if (bytes != 0) {
            reserved.addAndGet(-bytes);
        }
    }

    long limit() {
        return limit;
    }

    long reserved() {
        return reserved.get();
    }
}
