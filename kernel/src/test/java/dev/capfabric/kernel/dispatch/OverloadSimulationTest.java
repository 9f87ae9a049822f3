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

    private enum Rules { PLAN, AVERAGE }

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

    private record Arrival(double at, double work) {
    }

    private static final class Queued {
        final double deadline;
        final double work;
        boolean promised;

        Queued(double deadline, double work) {
            this.deadline = deadline;
            this.work = work;
        }
    }

    private record Running(Queued job, double start, double end) {
    }

    private static Tally simulate(Rules rules, List<Arrival> arrivals, Machine machine, double deadline) {
        ServiceTime serviceTime = new ServiceTime(100);
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
            if (rules == Rules.PLAN && !queue.isEmpty() && tick < t) {
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
                    if (job.end() > job.job().deadline) {
                        timedOut++;
                    } else {
                        served++;
                    }
                }
            }
            if (rules == Rules.PLAN && serviceTime.observed() && !queue.isEmpty()) {
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
            double run = raised(rules == Rules.PLAN ? serviceTime.planMillis() : serviceTime.millis(), running, t);
            if (arrival == t) {
                Arrival a = arrivals.get(next++);
                Queued job = new Queued(t + deadline, a.work());
                if (queue.isEmpty() && running.size() < SLOTS) {
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
                if (rules == Rules.PLAN && job.promised && job.deadline - t < raised(serviceTime.planMillis(), running, t)) {
                    late++;
                    continue;
                }
                running.add(new Running(job, t, machine.finish(t, job.work)));
            }
        }
        return new Tally(arrivals.size(), refused, late, served, timedOut);
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
}
