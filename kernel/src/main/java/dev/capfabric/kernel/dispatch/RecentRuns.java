package dev.capfabric.kernel.dispatch;

import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Whether a job's own run will fit its deadline, judged on the lane's recent runs of jobs like it: a job is
 * refused when at least {@value #LEAST_MISSES} recent runs of jobs no larger than it (give or take a quarter)
 * would have missed its deadline, and they are more than a tenth of such runs (the 90th percentile of them is
 * longer than the time it has). Pure arithmetic on figures the lane hands in, with the time passed in, so the
 * rule is tested on made-up lanes.
 *
 * <p>What counts as a run that would have missed a job with {@code L} ms left:
 * <ul>
 *   <li>a run that took longer than {@code L};</li>
 *   <li>a run its deadline cut short (it ended after its deadline): it needed more than it ran, by how much
 *       nobody knows, so it counts against every job with up to a tenth more time than it ran. Runs cut at the
 *       deadline are the evidence a slowed machine leaves: the jobs of an overload all carry much the same
 *       deadline, and their runs all end at it;</li>
 *   <li>a job running now that has already run longer than {@code L} (and was not cut off yet): a machine
 *       that slowed down shows there before any run ends;</li>
 *   <li>while two of the last three runs were cut at their deadline (the lane is failing its jobs: the machine
 *       slowed down so far that jobs which waited for a slot cannot finish in what is left; like the plan of
 *       {@link ServiceTime}, this follows a slowdown within two jobs), every run cut after being admitted with up
 *       to a tenth more than {@code L}: a job given no more time than they were fails too, though each ran only
 *       the part of its time that was left after its wait.</li>
 * </ul>
 *
 * <p>Runs that ended together (within 20 ms) count as one: a process stopped for a while ends all it ran at
 * once. None of the runs count once the last two runs of jobs like it would both have made the deadline: a machine
 * that sped up again (its other workload ended, its process was stopped for a while) shows within two jobs, as a
 * slowdown does; only jobs running past the time left count then.
 *
 * <p>Why jobs like it, and why recent: a lane's jobs are not all alike (a page and a hundred pages, a clip and
 * an hour of speech). Sizes keep a long job's run from refusing short ones, and a run counts for
 * {@value #FRESH_RUNS} times its length (at least a second) after it ended: a lane that refused everything
 * would otherwise never run a job again to learn that the machine has recovered, and one whose process was
 * stopped for a few seconds would refuse short deadlines long after. Runs shorter than {@value #KEPT_FROM_MILLIS}
 * ms are not kept at all: no deadline is that short in practice, and a lane of short jobs then pays one
 * volatile read per admission for the rule ({@link #keptTwo}).
 *
 * <p>Thread-safe: adding a run takes a short lock (once per run of {@value #KEPT_FROM_MILLIS} ms or more);
 * judging takes none.
 */
final class RecentRuns {

    /** How many runs are kept. */
    static final int WINDOW = 20;
    /** Runs shorter than this, milliseconds, are not kept. */
    static final double KEPT_FROM_MILLIS = 50;
    /** A run counts this many times its own length after it ended, and at least {@link #FRESH_LEAST_NANOS}. */
    static final int FRESH_RUNS = 3;
    static final long FRESH_LEAST_NANOS = 1_000_000_000L;
    /** How many runs must show a job would miss its deadline before it is refused: one may be an outlier. */
    static final int LEAST_MISSES = 2;
    // more than this share of the comparable runs must have missed: the 90th percentile of them is too long
    private static final double MISS_SHARE = 0.1;
    // a run cut at its deadline counts against jobs with up to this much more time than it ran
    private static final double CUT_MARGIN = 1.1;
    // runs that ended within this of each other ended together (see endedWithOneOf)
    private static final long TOGETHER_NANOS = 20_000_000L;
    // jobs whose input is at most a quarter larger, and this much, are alike enough to judge one by the other
    private static final long SIZE_SLACK_BYTES = 1024;

    /**
     * One run.
     *
     * @param endNanos   when it ended ({@link System#nanoTime()} scale)
     * @param inputBytes its input's size
     * @param millis     how long it ran
     * @param cut        whether it ended after its deadline: cut short there, or it would have been
     * @param givenMillis the time it had left when it was admitted (its wait for a slot included)
     */
    record Run(long endNanos, long inputBytes, double millis, boolean cut, double givenMillis) {

        /** Whether this run shows that a job with {@code leftMillis} left would miss its deadline. */
        boolean missed(double leftMillis) {
            return millis > leftMillis || (cut && leftMillis <= millis * CUT_MARGIN);
        }

        long freshUntilNanos() {
            return endNanos + Math.max(FRESH_LEAST_NANOS, (long) (FRESH_RUNS * millis * 1e6));
        }
    }

    /** A job running now: its input's size and how long it has run. */
    record Ongoing(long inputBytes, double elapsedMillis) {
    }

    /**
     * Why a job is refused.
     *
     * @param runMillis   the shortest of the runs that would have missed its deadline: its run will likely take at least about this long
     * @param misses      how many runs would have missed it
     * @param comparable  of how many recent runs of jobs like it
     * @param retryMillis until when the lane would refuse it on these runs alone (until all but one have aged out)
     */
    record Refusal(double runMillis, int misses, int comparable, long retryMillis) {
    }

    private final AtomicReferenceArray<Run> runs = new AtomicReferenceArray<>(WINDOW);
    private int next; // guarded by this
    // until when the kept runs count: the latest two of those moments, guarded by this
    private final LatestTwo fresh = new LatestTwo();
    private volatile long secondFresh;
    private volatile boolean twoKept;

    /** Keeps a run, if it is {@value #KEPT_FROM_MILLIS} ms or longer. */
    void add(Run run) {
        if (run.millis() < KEPT_FROM_MILLIS) {
            return;
        }
        synchronized (this) {
            runs.set(next, run);
            next = (next + 1) % WINDOW;
            fresh.add(run.freshUntilNanos());
            secondFresh = fresh.second;
            twoKept = fresh.count >= LEAST_MISSES;
        }
    }

    /** Whether two runs or more were ever kept: one volatile read, all a lane of short jobs pays per admission. */
    boolean keptTwo() {
        return twoKept;
    }

    /**
     * Whether {@link #judge} could refuse anything at {@code nowNanos}: at least {@value #LEAST_MISSES} kept runs
     * may still count.
     */
    boolean judgeable(long nowNanos) {
        return twoKept && secondFresh - nowNanos > 0;
    }

    /**
     * Judges a job with {@code leftMillis} until its deadline and an input of {@code inputBytes}: a refusal when
     * the recent runs of jobs like it say it would miss its deadline (see the class comment).
     *
     * @param running the jobs running now (only those not yet cut off at their deadline)
     */
    Optional<Refusal> judge(long nowNanos, long inputBytes, double leftMillis, Collection<Ongoing> running) {
        if (!twoKept) {
            // no history, no refusal: jobs running long say nothing until the lane has seen runs end
            return Optional.empty();
        }
        int comparable = 0;
        // the three runs of jobs like it that ended last, latest first, however long ago: the latest runs are what the
        // machine does now, whereas a run counts as a miss only while it is recent
        Run[] last = new Run[3];
        for (int i = 0; i < WINDOW; i++) {
            Run run = runs.get(i);
            if (run == null || !alike(run.inputBytes(), inputBytes)) {
                continue;
            }
            comparable += counting(run, nowNanos, inputBytes) != null ? 1 : 0;
            for (int j = 0; j < last.length; j++) {
                if (last[j] == null || run.endNanos() - last[j].endNanos() > 0) {
                    System.arraycopy(last, j, last, j + 1, last.length - j - 1);
                    last[j] = run;
                    break;
                }
            }
        }
        int lastCut = 0;
        for (Run run : last) {
            lastCut += run != null && run.cut() ? 1 : 0;
        }
        // two of the last three runs ran into their deadline: the lane is failing its jobs (the machine slowed down
        // too far for what is left after a wait), and a job given no more time than they were will fail too,
        // however short a part of it they could run
        boolean failing = lastCut >= LEAST_MISSES;
        // and the other way: the last two runs would both have made it, so the machine is as fast as it needs to be
        // now (it was slowed, or stopped, for a while), whatever runs before them took
        boolean recovered = last[1] != null && !last[0].missed(leftMillis) && !last[1].missed(leftMillis) && !failing;
        Misses misses = new Misses();
        long[] missEnds = new long[WINDOW];
        for (int i = 0; i < WINDOW; i++) {
            Run run = counting(runs.get(i), nowNanos, inputBytes);
            if (run != null && !recovered && !endedWithOneOf(run, missEnds, misses.until.count)
                    && (run.missed(leftMillis) || (failing && run.cut() && leftMillis <= run.givenMillis() * CUT_MARGIN))) {
                missEnds[misses.until.count] = run.endNanos();
                misses.add(run.millis(), run.freshUntilNanos());
            }
        }
        for (Ongoing job : running) {
            if (job.elapsedMillis() > leftMillis && alike(job.inputBytes(), inputBytes)) {
                comparable++;
                // it has not even ended: it counts at least as long as a run ending now would
                misses.add(job.elapsedMillis(), new Run(nowNanos, job.inputBytes(), job.elapsedMillis(), false, 0).freshUntilNanos());
            }
        }
        int count = misses.until.count;
        if (count < LEAST_MISSES || count <= MISS_SHARE * comparable) {
            return Optional.empty();
        }
        return Optional.of(new Refusal(misses.shortest, count, comparable, Math.max(0, (misses.until.second - nowNanos) / 1_000_000)));
    }

    /** The runs that would have missed a deadline: how many, the shortest, and until when the second latest counts. */
    private static final class Misses {
        final LatestTwo until = new LatestTwo();
        double shortest = Double.POSITIVE_INFINITY;

        void add(double millis, long freshUntil) {
            shortest = Math.min(shortest, millis);
            until.add(freshUntil);
        }
    }

    /** The latest two of the moments added ({@link System#nanoTime()} scale), and how many were added. */
    private static final class LatestTwo {
        int count;
        long latest;
        long second;

        void add(long moment) {
            if (count == 0) {
                latest = moment;
            } else if (moment - latest > 0) {
                second = latest;
                latest = moment;
            } else if (count == 1 || moment - second > 0) {
                second = moment;
            }
            count = count == Integer.MAX_VALUE ? count : count + 1;
        }
    }

    /**
     * Whether a run ended together with one of the first {@code count} of {@code ends}: a process stopped for a while
     * (SIGSTOP, a long pause) ends all it ran at once, long, which is one event and says little of how fast the
     * machine is; runs ending one by one, as a slowed machine's do, count one by one.
     */
    private static boolean endedWithOneOf(Run run, long[] ends, int count) {
        for (int i = 0; i < count; i++) {
            if (Math.abs(run.endNanos() - ends[i]) < TOGETHER_NANOS) {
                return true;
            }
        }
        return false;
    }

    /** The run if it still counts for a job of {@code inputBytes} at {@code nowNanos}, else null. */
    private static Run counting(Run run, long nowNanos, long inputBytes) {
        return run == null || run.freshUntilNanos() - nowNanos <= 0 || !alike(run.inputBytes(), inputBytes) ? null : run;
    }

    /** Whether a job of {@code other} bytes says something of one of {@code bytes}: not more than a quarter larger. */
    private static boolean alike(long other, long bytes) {
        return other <= bytes + bytes / 4 + SIZE_SLACK_BYTES;
    }
}
