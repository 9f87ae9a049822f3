package dev.capfabric.kernel.http;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ids for jobs whose request brings none: UUID-shaped and unique, a counter added to a random base
 * drawn once. {@link UUID#randomUUID()} draws from {@code SecureRandom} for every id, which cost more
 * than the rest of a small job's admission; nothing needs these ids to be unguessable.
 *
 * <p>Each thread (an HTTP/1 connection's, for its keep-alive life) takes the counter's values in blocks of
 * {@value #BLOCK}, so that jobs on different connections do not write one shared counter each: under load
 * that write moved a cache line between the cores on every job. Ids stay unique: the blocks do not overlap.
 */
final class JobIds {

    static final int BLOCK = 1024;

    private final long high;
    private final AtomicLong blocks;
    // per thread: the next value of its block, and the end of the block
    private final ThreadLocal<long[]> taken = ThreadLocal.withInitial(() -> new long[2]);

    JobIds() {
        SecureRandom random = new SecureRandom();
        this.high = random.nextLong();
        this.blocks = new AtomicLong(random.nextLong());
    }

    String next() {
        long[] block = taken.get();
        if (block[0] == block[1]) {
            block[0] = blocks.getAndAdd(BLOCK);
            block[1] = block[0] + BLOCK;
        }
        return new UUID(high, block[0]++).toString();
    }
}
