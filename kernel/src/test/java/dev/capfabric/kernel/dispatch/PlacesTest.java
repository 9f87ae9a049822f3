package dev.capfabric.kernel.dispatch;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lane's set of running jobs: what is added is seen until removed, beyond its places too, under concurrency. */
class PlacesTest {

    @Test
    void holdsWhatIsAddedUntilRemovedAndMoreThanItsPlacesInOverflow() {
        Places<Object> places = new Places<>(2);
        Object a = new Object();
        Object b = new Object();
        Object c = new Object();
        places.add(a);
        places.add(b);
        places.add(c); // no place left: overflow
        assertEquals(3, places.size());
        assertEquals(List.of(a, b, c), list(places));

        places.remove(b);
        assertEquals(List.of(a, c), list(places));
        places.remove(b); // again: nothing happens
        places.remove(new Object()); // never held
        assertEquals(2, places.size());

        Object d = new Object();
        places.add(d); // takes b's freed place
        assertEquals(List.of(a, d, c), list(places));
        places.remove(c);
        places.remove(a);
        places.remove(d);
        assertEquals(0, places.size());
        assertEquals(List.of(), list(places));
    }

    @Test
    void concurrentAddsAndRemovesLoseAndInventNothing() throws Exception {
        // four threads each add and remove their own items, more at once than there are places, while a fifth
        // looks over the set: it only ever sees items added and not yet removed, never more than are held
        int threads = 4;
        int perThread = 3;
        Places<Object> places = new Places<>(6);
        List<Object> retired = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger running = new AtomicInteger(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int round = 0; round < 20_000; round++) {
                        List<Object> mine = new ArrayList<>();
                        for (int i = 0; i < perThread; i++) {
                            Object item = new Object();
                            mine.add(item);
                            places.add(item);
                        }
                        for (Object item : mine) {
                            boolean seen = false;
                            for (Object held : places) {
                                seen |= held == item;
                            }
                            if (!seen) {
                                throw new AssertionError("an item added and not removed is missing");
                            }
                        }
                        for (Object item : mine) {
                            places.remove(item);
                        }
                        if (round % 1000 == 0) {
                            retired.addAll(mine);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    running.decrementAndGet();
                }
            }));
        }
        start.countDown();
        while (running.get() > 0) {
            int size = places.size();
            assertTrue(size <= threads * perThread, "more held than added: " + size);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        assertNull(failure.get(), () -> String.valueOf(failure.get()));
        assertEquals(0, places.size());
        for (Object held : places) {
            assertTrue(!retired.contains(held), "a removed item is still held");
        }
    }

    private static List<Object> list(Places<Object> places) {
        List<Object> all = new ArrayList<>();
        places.forEach(all::add);
        return all;
    }
}
