package dev.capfabric.kernel.http;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ids for jobs whose request brings none: UUID-shaped and unique, a counter added to a random base
 * drawn once. {@link UUID#randomUUID()} draws from {@code SecureRandom} for every id, which cost more
 * than the rest of a small job's admission; nothing needs these ids to be unguessable.
 */
final class JobIds {

    private final long high;
    private final AtomicLong low;

    JobIds() {
        SecureRandom random = new SecureRandom();
        this.high = random.nextLong();
        this.low = new AtomicLong(random.nextLong());
    }

    String next() {
        return new UUID(high, low.getAndIncrement()).toString();
    }
}
