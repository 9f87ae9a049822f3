package dev.capfabric.kernel.dispatch;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Admission's plan ({@link ServiceTime}, {@link SlotPlan}) under overload, on a simulated lane with a
 * virtual clock: jobs arrive at three times the lane's capacity for ten minutes, the lane admits by expected
 * wait, re-judges its queue every 200 ms and once more when a slot takes a job, as {@link CapabilityLane}
 * does. Counted: jobs refused at once, answered late from the queue (both unrun), served, and accepted jobs
 * that ended past their deadline (504), which must not happen while the machine keeps its speed.
 *
 * <p>A class of machines: steady (runs of 2 s ± 15 %), one that slows to a fifth of its speed for a while
 * (another workload took the CPU) and recovers, and jobs of bursty sizes (one in five six times longer)
 * arriving in bursts. The control runs the rules this replaced (plan with the moving average, no
 * re-judging): it lets a large share of accepted jobs end in 504, which is what the overload bench saw.
 */
class OverloadSimulationTest {

    private static final int SLOTS = 2;
    private static final double HORIZON = 600_000;
    private static final double TICK = 200;

    /** The lane's rules now; the same without judging a job's own run ({@link RecentRuns}); the rules before both. */
    private enum Rules { PLAN, PLAN_WITHOUT_OWN_RUN, AVERAGE }

    private record Tally(int sent, int refused, int late, int served, int timedOut) {
        int accepted() {
            return sent - refused - late;
        }
    }

    /** The machine's speed: {@code speed[i]} from {@code from[i]} until the next. */
    private record Machine(double[] from, double[] speed) {
        static Machine steady() {
            return new Machine(new double[] {0}, new double[] {1});
        }

        /** The time a job that needs {@code work} ms at full speed and starts at {@code start} ends. */
        double finish(double start, double work) {
            double t = start;
            double left = work;
            for (int i = 0; i < from.length; i++) {
                double until = i + 1 < from.length ? from[i + 1] : Double.POSITIVE_INFINITY;
                if (t >= until) {
                    continue;
                }
                double possible = (until - t) * speed[i];
                if (left <= possible) {
                    return t + left / speed[i];
                }
                left -= possible;
                t = until;
            }
            throw new IllegalStateException("never ends");
        }
    }

    /** A job: when it comes, and the work it needs at full speed, which its input's size follows. */
    private record Arrival(double at, double work) {
        long bytes() {
            return (long) (work * 100);
        }
    }

    private static final class Queued {
        final double deadline;
        final double work;
        final long bytes;
        boolean promised;

        Queued(double deadline, Arrival arrival) {
            this.deadline = deadline;
            this.work = arrival.work();
            this.bytes = arrival.bytes();
        }
    }

    /** A job on a slot: it ends when its work is done or, cut there (as the lane interrupts it), at its deadline. */
    private record Running(Queued job, double start, double end, boolean cut) {
        static Running start(Queued job, double start, Machine machine) {
            double done = machine.finish(start, job.work);
            return new Running(job, start, Math.min(done, job.deadline), done > job.deadline);
        }
    }

    private static Tally simulate(Rules rules, List<Arrival> arrivals, Machine machine, double deadline) {
        ServiceTime serviceTime = new ServiceTime(100);
        RecentRuns recentRuns = new RecentRuns();
        boolean ownRun = rules == Rules.PLAN;
        boolean plan = rules != Rules.AVERAGE;
        Deque<Queued> queue = new ArrayDeque<>();
        List<Running> running = new ArrayList<>();
        int refused = 0;
        int late = 0;
        int served = 0;
        int timedOut = 0;
        int next = 0;
        double tick = TICK;
        while (next < arrivals.size() || !queue.isEmpty() || !running.isEmpty()) {
            double arrival = next < arrivals.size() ? arrivals.get(next).at() : Double.POSITIVE_INFINITY;
            double end = running.stream().mapToDouble(Running::end).min().orElse(Double.POSITIVE_INFINITY);
            double t = Math.min(arrival, end);
            if (plan && !queue.isEmpty() && tick < t) {
                t = tick;
            }
            while (tick <= t) {
                tick += TICK;
            }
            // callers of queued jobs give up at their deadline (504); the lane drops such jobs unrun
            for (Iterator<Queued> it = queue.iterator(); it.hasNext(); ) {
                if (it.next().deadline <= t) {
                    it.remove();
                    timedOut++;
                }
            }
            for (Iterator<Running> it = running.iterator(); it.hasNext(); ) {
                Running job = it.next();
                if (job.end() <= t) {
                    it.remove();
                    serviceTime.record(job.end() - job.start());
                    recentRuns.add(new RecentRuns.Run(nanos(job.end()), job.job().bytes, job.end() - job.start(), job.cut(), deadline));
                    if (job.cut()) {
                        timedOut++;
                    } else {
                        served++;
                    }
                }
            }
            if (plan && serviceTime.observed() && !queue.isEmpty()) {
                // running jobs raise the likely run only once most of them overran the plan
                double most = mostRunning(running, t);
                double likely = Math.max(serviceTime.millis(), most > serviceTime.planMillis() ? most : 0);
                List<SlotPlan.Waiting<Queued>> waiting = new ArrayList<>();
                for (Queued job : queue) {
                    waiting.add(new SlotPlan.Waiting<>(job, job.deadline - t));
                }
                List<SlotPlan.Late<Queued>> dropped = SlotPlan.late(SLOTS, likely, elapsed(running, t), 0, waiting);
                dropped.forEach(d -> queue.remove(d.job()));
                late += dropped.size();
            }
            double run = raised(plan ? serviceTime.planMillis() : serviceTime.millis(), running, t);
            if (arrival == t) {
                Arrival a = arrivals.get(next++);
                Queued job = new Queued(t + deadline, a);
                if (ownRun && recentRuns.judgeable(nanos(t))
                        && recentRuns.judge(nanos(t), job.bytes, deadline, ongoing(running, t)).isPresent()) {
                    // its own run would end past its deadline, free slot or not
                    refused++;
                } else if (queue.isEmpty() && running.size() < SLOTS) {
                    queue.add(job);
                } else {
                    double wait = SlotPlan.waitBehind(SLOTS, run, elapsed(running, t), 0, queue.size());
                    if (serviceTime.observed() && wait > 0 && wait + run > deadline) {
                        refused++;
                    } else {
                        job.promised = serviceTime.observed();
                        queue.add(job);
                    }
                }
            }
            while (running.size() < SLOTS && !queue.isEmpty()) {
                Queued job = queue.poll();
                if (plan && job.promised && job.deadline - t < raised(serviceTime.planMillis(), running, t)) {
                    late++;
                    continue;
                }
                if (ownRun && job.promised && recentRuns.judge(nanos(t), job.bytes, job.deadline - t, ongoing(running, t)).isPresent()) {
                    late++;
                    continue;
                }
                running.add(Running.start(job, t, machine));
            }
        }
        return new Tally(arrivals.size(), refused, late, served, timedOut);
    }

    // the jobs running and not yet past their deadline, as the lane hands them to RecentRuns
    private static List<RecentRuns.Ongoing> ongoing(List<Running> running, double t) {
        return running.stream().filter(r -> r.job().deadline > t).map(r -> new RecentRuns.Ongoing(r.job().bytes, t - r.start())).toList();
    }

    private static long nanos(double millis) {
        return (long) (millis * 1e6);
    }

    // the lane raises its figures while a running job has already taken longer
    private static double raised(double millis, List<Running> running, double t) {
        double run = millis;
        for (Running job : running) {
            if (job.job().deadline > t) {
                run = Math.max(run, t - job.start());
            }
        }
        return run;
    }

    private static double mostRunning(List<Running> running, double t) {
        List<Double> elapsed = running.stream().filter(job -> job.job().deadline > t).map(job -> t - job.start())
                .sorted(java.util.Comparator.reverseOrder()).toList();
        return elapsed.isEmpty() ? 0 : elapsed.get(elapsed.size() / 2);
    }

    private static List<Double> elapsed(List<Running> running, double t) {
        return running.stream().map(job -> t - job.start()).toList();
    }

    /** Open-loop arrivals at {@code perSecond} on average (exponential gaps), works drawn by {@code work}. */
    private static List<Arrival> poisson(long seed, double perSecond, java.util.function.DoubleSupplier work) {
        Random random = new Random(seed);
        List<Arrival> arrivals = new ArrayList<>();
        for (double t = 0; t < HORIZON; t += -Math.log(1 - random.nextDouble()) * 1000 / perSecond) {
            arrivals.add(new Arrival(t, work.getAsDouble()));
        }
        return arrivals;
    }

    private static java.util.function.DoubleSupplier steadyWork(long seed) {
        Random random = new Random(seed * 31);
        return () -> 2000 * Math.max(0.3, 1 + 0.15 * random.nextGaussian());
    }

    // the lane's capacity: SLOTS jobs of 2 s at once, one a second; three times that is offered
    private static final double OFFERED = 3.0 * SLOTS / 2.0;

    @ParameterizedTest(name = "seed {0}, deadline {1} ms")
    @CsvSource({"1, 20000", "2, 20000", "3, 10000", "4, 60000"})
    void aSteadyMachineAnswersEveryAcceptedJobInTime(long seed, double deadline) {
        List<Arrival> arrivals = poisson(seed, OFFERED, steadyWork(seed));
        Tally plan = simulate(Rules.PLAN, arrivals, Machine.steady(), deadline);
        assertEquals(0, plan.timedOut(), plan.toString());
        // the lane stays busy: a plan near the top of the runs costs refusals, not throughput
        assertTrue(plan.served() > 0.9 * HORIZON / 1000 * SLOTS / 2, plan.toString());
        assertTrue(plan.late() < 0.03 * plan.sent(), "answered late from the queue only now and then: " + plan);

        Tally average = simulate(Rules.AVERAGE, arrivals, Machine.steady(), deadline);
        assertTrue(average.timedOut() > 0.1 * average.accepted(), "the rules before let accepted jobs end in 504: " + average);
    }

    @ParameterizedTest(name = "seed {0}, a fifth of the speed for {1} s")
    @CsvSource({"1, 120", "2, 200", "3, 30"})
    void aSlowingMachineLosesOnlyTheJobsRunningWhenItSlowed(long seed, int seconds) {
        double slowFrom = 200_000;
        Machine machine = new Machine(new double[] {0, slowFrom, slowFrom + seconds * 1000.0}, new double[] {1, 0.2, 1});
        List<Arrival> arrivals = poisson(seed, OFFERED, steadyWork(seed));
        Tally plan = simulate(Rules.PLAN, arrivals, machine, 20_000);
        // the jobs running when the speed fell, and those a slot took before the running ones showed it, cannot be
        // saved; none admitted or started later is lost
        assertTrue(plan.timedOut() <= 3 * SLOTS, plan.toString());
        assertTrue(plan.served() > 0, plan.toString());

        Tally average = simulate(Rules.AVERAGE, arrivals, machine, 20_000);
        assertTrue(average.timedOut() > 3 * plan.timedOut() + 10, "the rules before: " + average + " vs " + plan);
    }

    @ParameterizedTest(name = "seed {0}, one in {1} jobs six times longer")
    @CsvSource({"1, 5", "2, 3", "3, 10"})
    void burstySizesInBurstsAreAnsweredInTime(long seed, int oneIn) {
        Random random = new Random(seed);
        double small = 2000 * oneIn / (oneIn + 5.0); // mean work stays 2 s
        List<Arrival> arrivals = new ArrayList<>();
        // 30 jobs at once every 10 s: three times the capacity on average
        for (double t = 0; t < HORIZON; t += 10_000) {
            for (int i = 0; i < 30; i++) {
                arrivals.add(new Arrival(t + i, random.nextInt(oneIn) == 0 ? 6 * small : small));
            }
        }
        Tally plan = simulate(Rules.PLAN, arrivals, Machine.steady(), 20_000);
        // a large job the plan did not expect (large ones rare in the last twenty) may still end late: its size is
        // unknown until it ran. Jobs admitted behind large ones are answered from the queue instead of running late
        assertTrue(plan.timedOut() <= 0.01 * plan.accepted(), plan.toString());
        assertTrue(plan.served() > 0.3 * HORIZON / 1000, plan.toString());

        Tally average = simulate(Rules.AVERAGE, arrivals, Machine.steady(), 20_000);
        assertTrue(average.timedOut() > 20 * Math.max(1, plan.timedOut()), "the rules before: " + average + " vs " + plan);
    }

    /**
     * The overload bench's case: the machine slows so far (tts beside ocr, other builds) that a run takes longer
     * than the callers' deadline, for a while. A job finding a slot free was admitted whatever its run, and a queued
     * one started on what was left of its time; now runs cut at the deadline, or jobs running past it, refuse the
     * jobs like them, free slot or not, and answer a queued job late when it is taken ({@link RecentRuns}).
     */
    @ParameterizedTest(name = "seed {0}, runs of {1} ms against a 20 s deadline for {2} s")
    @CsvSource({"1, 25000, 120", "2, 30000, 200", "3, 22000, 60", "4, 40000, 300"})
    void aMachineSlowedPastTheDeadlineRefusesJobsInsteadOfRunningThemInto504(long seed, double slowRun, int seconds) {
        double slowFrom = 200_000;
        Machine machine = new Machine(new double[] {0, slowFrom, slowFrom + seconds * 1000.0}, new double[] {1, 2000 / slowRun, 1});
        List<Arrival> arrivals = poisson(seed, OFFERED, steadyWork(seed));
        Tally ownRun = simulate(Rules.PLAN, arrivals, machine, 20_000);
        Tally before = simulate(Rules.PLAN_WITHOUT_OWN_RUN, arrivals, machine, 20_000);
        // not all are saved: the jobs running when it slowed, those a slot took before two runs showed it, and one
        // let through now and then once the runs that refuse have aged out (a minute or three runs), to learn whether
        // the machine is back. Without the rule: 19, 25, 7 and 32 such 504s; with it 8, 12, 4 and 17
        assertTrue(ownRun.timedOut() <= 0.75 * before.timedOut(), "with the rule " + ownRun + ", without " + before);
        // once the machine is back, the lane runs jobs again: it has not refused everything since
        assertTrue(ownRun.served() > 0.9 * before.served(), ownRun + " vs " + before);
    }
}
