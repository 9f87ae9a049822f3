package dev.capfabric.kernel.dispatch;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A concurrent set of the few things a lane holds at once (its running jobs): each takes the first free place of
 * a fixed array and gives it back when removed, a compare-and-set each way, where a concurrent hash set cost two
 * table updates and a shared size counter per job (about 2 % of a no-op job's CPU). Looking over the set reads
 * the places up to the highest ever taken, which stays at the most held at once. More than {@code capacity} at
 * once (a lane briefly running more jobs than it may while its providers change) go to an overflow set.
 * Items are told apart by identity (those held here do not override {@code equals}).
 */
final class Places<T> implements Iterable<T> {

    private final AtomicReferenceArray<T> places;
    private final Set<T> overflow = ConcurrentHashMap.newKeySet();
    private volatile int highest; // one past the highest place ever taken

    Places(int capacity) {
        places = new AtomicReferenceArray<>(Math.max(1, capacity));
    }

    void add(T item) {
        for (int at = 0; at < places.length(); at++) {
            if (places.get(at) == null && places.compareAndSet(at, null, item)) {
                if (at >= highest) {
                    raiseHighest(at + 1);
                }
                return;
            }
        }
        overflow.add(item);
    }

    private synchronized void raiseHighest(int atLeast) {
        if (highest < atLeast) {
            highest = atLeast;
        }
    }

    /** Removes the item; removing one not held (again, say) does nothing. */
    void remove(T item) {
        for (int at = 0, end = highest; at < end; at++) {
            if (places.get(at) == item && places.compareAndSet(at, item, null)) {
                return;
            }
        }
        if (!overflow.isEmpty()) {
            overflow.remove(item);
        }
    }

    int size() {
        int size = overflow.size();
        for (int at = 0, end = highest; at < end; at++) {
            if (places.get(at) != null) {
                size++;
            }
        }
        return size;
    }

    /** What is held at the moment of the call (a snapshot: items removed meanwhile may be in it). */
    @Override
    public Iterator<T> iterator() {
        List<T> now = new ArrayList<>(4);
        for (int at = 0, end = highest; at < end; at++) {
            T item = places.get(at);
            if (item != null) {
                now.add(item);
            }
        }
        if (!overflow.isEmpty()) {
            now.addAll(overflow);
        }
        return now.iterator();
    }
}
