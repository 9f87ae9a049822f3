package dev.capfabric.kernel.fabric;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PeerClocksTest {

    // this node's monotonic clock, and a peer's that reads 1 000 000 ms ahead of it
    private final AtomicLong here = new AtomicLong(5_000);
    private final PeerClocks clocks = new PeerClocks(here::get);
    private static final long AHEAD = 1_000_000;

    /** A heartbeat the peer sent at {@code sentHere} (by this node's clock) is read {@code delay} ms later. */
    private void beat(String instance, long sentHere, long delay) {
        here.set(sentHere + delay);
        clocks.heard("peer", instance, sentHere + AHEAD);
    }

    @Test
    void aRequestReadLateIsKnownToHaveWaitedWhateverTheClocksSay() {
        beat("i1", 1_000, 3);
        beat("i1", 2_000, 1);
        beat("i1", 3_000, 2);
        here.set(10_000);
        // sent at 9 000 by this node's clock, read at 10 000: it waited 1 000 ms beyond the quickest delivery (1 ms)
        assertEquals(Optional.of(Duration.ofMillis(999)), clocks.waited("peer", "i1", 9_000 + AHEAD));
        assertEquals(Optional.of(Duration.ZERO), clocks.waited("peer", "i1", 10_000 + AHEAD), "read at once");
    }

    @Test
    void lateHeartbeatsOnlyMakeAWaitLookShorter() {
        beat("i1", 1_000, 1);
        for (int i = 2; i <= PeerClocks.KEPT; i++) {
            beat("i1", i * 1_000L, 700); // this node starved: every later heartbeat read 700 ms late
        }
        here.set(30_000);
        assertEquals(Optional.of(Duration.ofMillis(999)), clocks.waited("peer", "i1", 29_000 + AHEAD), "the quickest delivery counts");
        for (int i = 0; i < PeerClocks.KEPT; i++) {
            beat("i1", 40_000L + i * 1_000, 700);
        }
        here.set(70_000);
        assertEquals(Optional.of(Duration.ofMillis(300)), clocks.waited("peer", "i1", 69_000 + AHEAD),
                "with only late heartbeats kept, the wait is underestimated, never overestimated");
    }

    @Test
    void nothingIsKnownOfAnUnheardPeerOrOfAnotherInstance() {
        assertEquals(Optional.empty(), clocks.waited("peer", "i1", 1));
        beat("i1", 1_000, 1);
        assertEquals(Optional.empty(), clocks.waited("peer", "i2", 1_000 + AHEAD), "a restarted peer has another clock");
        beat("i2", 2_000, 5);
        assertEquals(Optional.empty(), clocks.waited("peer", "i1", 1_000 + AHEAD), "the old instance is forgotten");
        here.set(2_105);
        assertEquals(Optional.of(Duration.ofMillis(100)), clocks.waited("peer", "i2", 2_000 + AHEAD));
        clocks.forget("peer");
        assertEquals(Optional.empty(), clocks.waited("peer", "i2", 2_000 + AHEAD));
    }
}
