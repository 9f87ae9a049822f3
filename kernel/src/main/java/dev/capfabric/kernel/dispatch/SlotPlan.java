package dev.capfabric.kernel.dispatch;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.PriorityQueue;

import static java.util.Objects.requireNonNull;

/**
 * When a lane's queued jobs are planned to start, and which of them can no longer end before their
 * deadline. Pure arithmetic on figures the lane reads (no clock, no threads), so admission's rules are
 * tested on made-up lanes.
 *
 * <p>Slots are handed out one by one, as the lane's workers take jobs: each running job keeps its slot for
 * the rest of its planned run (at least {@link #LEAST_REMAINING} of a run: the lane cannot tell a job about
 * to end from one that overruns), and each queued job, in queue order, takes the first slot to come free
 * for a whole planned run. A queued job that would start only after some wait and end past its deadline is
 * <em>late</em>: it takes no slot in the plan (the lane answers it at once and never runs it), so the jobs
 * behind it move up. A job admitted now waits until the slot after all the others frees.
 */
final class SlotPlan {

    /** The least part of a planned run a running job is assumed to still need. */
    static final double LEAST_REMAINING = 0.25;

    /** A job in the queue as the plan sees it: how long until its deadline. */
    record Waiting<T>(T job, double leftMillis) {
        Waiting {
            requireNonNull(job, "job is null");
        }
    }

    /**
     * A queued job that cannot end in time.
     *
     * @param startMillis how long until a slot would take it
     * @param overMillis  how far past its deadline it would end: how much sooner it would have had to be served
     */
    record Late<T>(T job, double startMillis, double overMillis) {
    }

    private SlotPlan() {
    }

    /**
     * How long a job admitted now would wait for a slot, behind every job queued: the slot after all of
     * theirs frees.
     *
     * @param capacity   how many jobs the lane runs at once
     * @param runMillis  the run planned for a job not yet started
     * @param elapsed    how long each job running now has run, milliseconds
     * @param unseenBusy slots taken by no job in {@code elapsed} (a caller about to start one): each counts as a whole run
     * @param ahead      the jobs queued
     */
    static double waitBehind(int capacity, double runMillis, Collection<Double> elapsed, int unseenBusy, int ahead) {
        PriorityQueue<Double> free = slots(capacity, runMillis, elapsed, unseenBusy);
        for (int i = 0; i < ahead; i++) {
            free.add(free.poll() + runMillis);
        }
        return free.peek();
    }

    /**
     * The queued jobs, in queue order, that would start only after some wait and end past their deadline;
     * they take no slot in the plan, so the jobs behind them move up. Parameters as for {@link #waitBehind}.
     */
    static <T> List<Late<T>> late(int capacity, double runMillis, Collection<Double> elapsed, int unseenBusy,
                                  Iterable<Waiting<T>> queue) {
        PriorityQueue<Double> free = slots(capacity, runMillis, elapsed, unseenBusy);
        List<Late<T>> late = new ArrayList<>();
        for (Waiting<T> waiting : queue) {
            double start = free.peek();
            double over = start + runMillis - waiting.leftMillis();
            if (start > 0 && over > 0) {
                late.add(new Late<>(waiting.job(), start, over));
            } else {
                free.add(free.poll() + runMillis);
            }
        }
        return late;
    }

    /** When each slot frees, soonest first. */
    private static PriorityQueue<Double> slots(int capacity, double runMillis, Collection<Double> elapsed, int unseenBusy) {
        int slots = Math.max(1, capacity);
        PriorityQueue<Double> free = new PriorityQueue<>();
        for (double ran : elapsed) {
            free.add(Math.max(runMillis - ran, runMillis * LEAST_REMAINING));
        }
        for (int i = unseenBusy; i > 0 && free.size() < slots; i--) {
            free.add(runMillis);
        }
        while (free.size() < slots) {
            free.add(0.0);
        }
        while (free.size() > slots) {
            // more jobs than slots (a stuck job's replacement started): the latest to end free no slot
            free.remove(Collections.max(free));
        }
        return free;
    }
}
