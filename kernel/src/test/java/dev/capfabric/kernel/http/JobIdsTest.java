package dev.capfabric.kernel.http;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JobIdsTest {

    @Test
    void idsTakenOnManyThreadsAcrossSeveralBlocksAreAllDistinctAndUuidShaped() throws Exception {
        JobIds ids = new JobIds();
        Set<String> seen = ConcurrentHashMap.newKeySet();
        int threads = 8;
        int each = JobIds.BLOCK * 3 + 17;
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            // half of them virtual, as the connections' threads are
            Thread.Builder builder = t % 2 == 0 ? Thread.ofVirtual() : Thread.ofPlatform();
            started.add(builder.start(() -> {
                for (int i = 0; i < each; i++) {
                    String id = ids.next();
                    assertEquals(id, UUID.fromString(id).toString());
                    seen.add(id);
                }
            }));
        }
        for (Thread thread : started) {
            thread.join();
        }
        assertEquals(threads * each, seen.size());
        Set<String> again = new HashSet<>();
        for (int i = 0; i < each; i++) {
            again.add(ids.next());
        }
        again.retainAll(seen);
        assertEquals(Set.of(), again, "a later block repeats no id");
    }
}
