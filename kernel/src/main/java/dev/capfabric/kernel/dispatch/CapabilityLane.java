package dev.capfabric.kernel.dispatch;

import dev.capfabric.kernel.plugins.ProviderSlot;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.ProviderDescription;
import dev.capfabric.spi.ProviderDescription.Threading;
import dev.capfabric.spi.Result;
import org.jctools.queues.MpmcArrayQueue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * One capability's bounded queue and the worker threads that drain it.
 *
 * <p>The queue is a JCTools {@link MpmcArrayQueue}: many request threads offer (multi-producer) and
 * several workers poll (multi-consumer), both without locks; a full queue refuses at once. As many
 * jobs run at once as the capability's usable providers declare they can (capped): each running job
 * holds one of that many slots. Workers are platform threads, one per slot, so a provider blocked in
 * native code holds its own thread and never a virtual thread's carrier. Idle workers park instead
 * of spinning, and each queued job wakes at most one ({@link ParkedWorkers}).
 *
 * <p>When every provider of the capability declares {@link Threading#VIRTUAL} (it waits only in Java,
 * as remote adapters do), the lane runs callers' jobs on their own threads: a caller that will wait
 * for its job anyway, finding the queue empty and a slot free, takes the slot and runs the job itself
 * ({@link #offer(QueuedJob, boolean)}, {@link #await}), which spares two thread hand-offs per job.
 * Jobs that find no free slot queue as before, for workers that are then virtual threads themselves.
 *
 * <p>An admitted job that had to queue was admitted on a plan ({@link SlotPlan}) that its wait and run fit
 * its deadline. The lane holds it to that: the queue is re-judged on the current figures while jobs wait
 * (every {@link #REJUDGE_PERIOD}, and at each admission), and once more when a slot takes the job; a job
 * that can no longer end in time is answered 429 {@code overloaded} with a {@code Retry-After} then and
 * never run. A job is admitted at all only if its own run fits its deadline too, free slot or not
 * ({@link #ownRunTooLong}, judged on the lane's recent runs of jobs like it); one admitted onto a free slot
 * then runs whatever happens, since nothing else wanted the slot.
 *
 * <p>A provider cannot take a worker down: whatever {@code handle} throws, {@link Error}s included, ends
 * that job with 500 {@code internal} and the worker goes on; an {@link OutOfMemoryError} is answered
 * likewise and then rethrown (the launcher's {@code -XX:+ExitOnOutOfMemoryError} ends the node), and its
 * worker replaced. A job no longer wanted (deadline passed, caller gone) has its thread interrupted and
 * its {@code Cancellation} fired; one whose {@code handle} has still not returned
 * {@link DispatchSettings#stuckGrace()} after its deadline is written off: its slot and worker are
 * replaced so the capability keeps its capacity, and its provider counts it as stuck (degraded, or
 * unavailable once more are stuck than its concurrency) until it returns, if ever.
 */
final class CapabilityLane implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(CapabilityLane.class.getName());
    // an idle worker looks around this often even unwoken: a safety net, not the way jobs reach it
    private static final Duration IDLE_CHECK = Duration.ofMillis(500);
    // while jobs wait, the queue is re-judged this often: a slowing machine shows first as running jobs overrunning
    private static final Duration REJUDGE_PERIOD = Duration.ofMillis(200);
    // admissions judge the queue again at most this often (see rejudgeNowAndThen)
    private static final Duration REJUDGE_AT_ADMISSION = Duration.ofMillis(10);

    private final Capability capability;
    private final String nodeId;
    private final DispatchSettings settings;
    private final Supplier<List<ProviderSlot>> providers;
    private final JobMetrics metrics;
    private final DeadlineSweeper deadlines;
    private final Runnable cancelOverdueCallerRuns = this::cancelCallerRunsPastDeadline;
    private volatile boolean deadlinesWatched;
    private final Runnable providerStatusChanged;
    private final MpmcArrayQueue<QueuedJob> queue;
    private final ParkedWorkers idle = new ParkedWorkers();
    private final AtomicInteger running = new AtomicInteger();
    // running jobs nobody waits for any more (interrupted, cancelled): a draining node does not wait for them
    private final AtomicInteger abandoned = new AtomicInteger();
    // slots taken by workers and callers running jobs; at most targetWorkers
    private final AtomicInteger slots = new AtomicInteger();
    // jobs answered as late while queued, still in the queue until a worker polls them: not counted as waiting
    private final AtomicInteger lateInQueue = new AtomicInteger();
    private final AtomicBoolean rejudgeScheduled = new AtomicBoolean();
    private final AtomicLong lastAdmissionRejudge = new AtomicLong(System.nanoTime() - REJUDGE_AT_ADMISSION.toNanos());
    private final ServiceTime serviceTime = new ServiceTime(100);
    // the runs a job's own run is judged by at admission, with their sizes and deadlines
    private final RecentRuns recentRuns = new RecentRuns();
    // the jobs running now, holding their slots: admission counts how much of their run is left
    private final Places<RunningJob> active;
    // by worker index: a written-off worker's index goes to its replacement
    private final Map<Integer, Thread> workers = new HashMap<>(); // guarded by this
    // jobs written off whose handle() has not returned, of providers still installed
    private final Set<RunningJob> stuck = ConcurrentHashMap.newKeySet();
    private List<ProviderSlot> installed = List.of(); // guarded by this
    private volatile int targetWorkers;
    // callers may run jobs on their own threads (every provider declares VIRTUAL threading)
    private volatile boolean callerRuns;
    // bumped when workers must change kind; workers of an older generation leave after their job
    private volatile int generation;
    private volatile boolean closed;
    // the capability went away: queued jobs are answered, running ones finish, workers leave
    private volatile boolean retired;

    CapabilityLane(Capability capability, String nodeId, DispatchSettings settings, Supplier<List<ProviderSlot>> providers,
                   List<ProviderSlot> installed, JobMetrics metrics, DeadlineSweeper deadlines, Runnable providerStatusChanged) {
        this.capability = requireNonNull(capability, "capability is null");
        this.nodeId = requireNonNull(nodeId, "nodeId is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.providers = requireNonNull(providers, "providers is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.deadlines = requireNonNull(deadlines, "deadlines is null");
        this.providerStatusChanged = requireNonNull(providerStatusChanged, "providerStatusChanged is null");
        this.queue = new MpmcArrayQueue<>(Math.max(2, settings.queueCapacity()));
        this.active = new Places<>(settings.maxWorkers());
        resize(installed);
    }

    DispatchSettings settings() {
        return settings;
    }

    /** The capability's usable providers, preferred first. */
    List<ProviderSlot> usableProviders() {
        return providers.get();
    }

    /**
     * Admits a job; false when the queue is full (or the lane closed). A caller that will wait for the
     * job in {@link #await} ({@code callerWaits}) may be handed a slot to run it on its own thread
     * instead of queueing it; it must then call {@code await}, which runs it.
     */
    boolean offer(QueuedJob job, boolean callerWaits) {
        if (closed || retired) {
            return false;
        }
        if (callerWaits && callerRuns && queue.isEmpty() && tryTakeSlot()) {
            job.runByCaller = true;
            return true;
        }
        // MpmcArrayQueue rounds its capacity up to a power of two: enforce the configured bound ourselves
        if (depth() >= settings.queueCapacity()) {
            return false;
        }
        // queued behind other work: admission judged that its wait and run fit its deadline (see run)
        job.promised = serviceTime.observed() && (!queue.isEmpty() || slots.get() >= targetWorkers);
        if (!queue.offer(job)) {
            return false;
        }
        if (retired) {
            answerQueued("capability " + capability + " was removed from this node");
        }
        idle.wakeOne();
        scheduleRejudge();
        return true;
    }

    /**
     * Waits for an admitted job's outcome until the job's deadline; a job whose caller was handed a slot
     * runs now, on the calling thread. Giving up (deadline, interrupt) marks the job cancelled, so a
     * queued job is dropped and a running one asked to stop.
     */
    Outcome await(QueuedJob job) {
        if (job.runByCaller) {
            // nobody else is waiting to give up at the deadline: the sweeper cancels the job then, as a waiting caller
            // would (cancelCallerRunsPastDeadline)
            if (!deadlinesWatched) {
                deadlinesWatched = true;
                deadlines.watch(cancelOverdueCallerRuns);
            }
            boolean held = true;
            try {
                held = run(job, -1);
            } finally {
                if (held) {
                    releaseSlot();
                }
            }
            if (job.job.timeLeft().isZero()) {
                return Outcome.Failed.of(504, "timeout", "the job did not finish before its deadline", nodeId);
            }
        }
        try {
            return job.outcome.get(Math.max(1, job.job.timeLeft().toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            cancel(job);
            return Outcome.Failed.of(504, "timeout", "the job did not finish before its deadline", nodeId);
        } catch (InterruptedException e) {
            cancel(job);
            Thread.currentThread().interrupt();
            return Outcome.Failed.of(503, "unavailable", "interrupted while waiting for the job", nodeId);
        } catch (ExecutionException e) {
            return Outcome.Failed.of(500, "internal", "the job failed: " + e.getCause(), nodeId);
        }
    }

    /**
     * The deadline sweeper's check ({@link DeadlineSweeper}): cancels the jobs callers run that are past their
     * deadline. A lane retired or closed leaves the sweeper once its callers' jobs have ended.
     */
    private void cancelCallerRunsPastDeadline() {
        boolean any = false;
        for (RunningJob current : active) {
            if (current.worker < 0) {
                any = true;
                if (current.job.job.cancellation() instanceof CancellationFlag flag && !flag.isCancelled()
                        && current.job.job.timeLeft().isZero()) {
                    flag.cancel();
                }
            }
        }
        if (!any && (retired || closed)) {
            deadlines.forget(cancelOverdueCallerRuns);
        }
    }

    private static void cancel(QueuedJob job) {
        if (job.job.cancellation() instanceof CancellationFlag flag) {
            flag.cancel();
        }
    }

    private boolean tryTakeSlot() {
        for (int taken = slots.get(); taken < targetWorkers; taken = slots.get()) {
            if (slots.compareAndSet(taken, taken + 1)) {
                return true;
            }
        }
        return false;
    }

    private void releaseSlot() {
        slots.decrementAndGet();
        if (!queue.isEmpty()) {
            // a job queued while every slot was taken: its worker may be parked for want of a slot
            idle.wakeOne();
        }
    }

    /** Jobs waiting for a slot. */
    int depth() {
        return Math.max(0, queue.size() - lateInQueue.get());
    }

    /** Whether a job admitted now would start at once: nothing queued and a slot free. */
    boolean hasFreeSlot() {
        return queue.isEmpty() && slots.get() < Math.max(1, targetWorkers);
    }

    /** How many jobs the lane runs at once. */
    int capacity() {
        return Math.max(1, targetWorkers);
    }

    int running() {
        return running.get();
    }

    /** Jobs written off as stuck whose {@code handle} has not returned, of the providers installed now. */
    int stuck() {
        return stuck.size();
    }

    double serviceTimeMillis() {
        return serviceTime.millis();
    }

    /** Whether the lane's service time comes from jobs it ran, not from the initial guess. */
    boolean serviceTimeObserved() {
        return serviceTime.observed();
    }

    /** Estimated wait for a new job: the queue ahead of it, worked off by all workers. */
    Duration estimatedWait() {
        int workers = Math.max(1, targetWorkers);
        double millis = (queue.size() + running.get() + 1) * serviceTime.millis() / workers;
        return Duration.ofMillis((long) Math.ceil(millis));
    }

    /**
     * The run time admission plans with for a job not yet started: the lane's {@link ServiceTime#planMillis plan}
     * (a high percentile of recent runs, or the last few if they ran longer), or longer while a job now running
     * has already taken longer than that (the machine slowed down; the runs recorded show it only as jobs end).
     */
    double plannedServiceMillis() {
        return Math.max(serviceTime.planMillis(), longestRunning());
    }

    /**
     * The run a job will likely take: the lane's average ({@link ServiceTime#millis}), or longer once most
     * of the jobs running now have taken longer than the plan, a machine that slowed down. Not the plan:
     * a job already admitted on the plan is answered late only when it will probably miss its deadline,
     * not at every wobble of the percentile times the jobs ahead of it. Not the longest running job alone
     * either: one large job among small ones says nothing of the jobs queued behind it.
     */
    private double likelyServiceMillis() {
        List<Double> elapsed = new ArrayList<>();
        long now = System.nanoTime();
        for (RunningJob job : active) {
            if (!job.interrupted()) {
                elapsed.add((now - job.startNanos) / 1e6);
            }
        }
        elapsed.sort(java.util.Comparator.reverseOrder());
        // the time more than half of the running jobs have run at least
        double most = elapsed.isEmpty() ? 0 : elapsed.get(elapsed.size() / 2);
        return Math.max(serviceTime.millis(), most > serviceTime.planMillis() ? most : 0);
    }

    /** How long the longest-running job now running has run, milliseconds; 0 when none runs. */
    private double longestRunning() {
        double longest = 0;
        long now = System.nanoTime();
        for (RunningJob job : active) {
            if (!job.interrupted()) {
                // a job past its deadline says how long that job hangs, not how fast the lane is
                longest = Math.max(longest, (now - job.startNanos) / 1e6);
            }
        }
        return longest;
    }

    /**
     * How long a job admitted now would wait before a slot takes it ({@link SlotPlan#waitBehind}): none while
     * a slot is free and nothing queued; else the time until a slot is free for it, behind the rest of the
     * running jobs' runs and a whole run for each queued job, all at the {@link #plannedServiceMillis planned}
     * run. Queued jobs that can no longer make their deadline are answered first ({@link #rejudge}).
     */
    Duration expectedWait() {
        if (depth() == 0 && slots.get() < Math.max(1, targetWorkers)) {
            return Duration.ZERO;
        }
        rejudgeNowAndThen();
        return Duration.ofMillis((long) Math.ceil(SlotPlan.waitBehind(targetWorkers, plannedServiceMillis(), elapsed(),
                unseenBusy(), depth())));
    }

    private List<Double> elapsed() {
        long now = System.nanoTime();
        List<Double> elapsed = new ArrayList<>();
        for (RunningJob job : active) {
            elapsed.add((now - job.startNanos) / 1e6);
        }
        return elapsed;
    }

    // slots held by no job admission can see (a caller between taking a slot and starting) count as busy
    private int unseenBusy() {
        return Math.max(0, slots.get() - active.size());
    }

    /**
     * Answers, with 429 {@code overloaded}, every queued job that would now end past its deadline on the
     * likely figures ({@link SlotPlan#late}, at the {@link #likelyServiceMillis likely} run: admitted on the
     * plan, a job is dropped only when it will probably miss, not at every wobble of the percentile),
     * instead of keeping it until its deadline or running it into a 504: its caller learns early (and may
     * go elsewhere), and no slot is spent on a job nobody will get in time. Jobs are judged only once the
     * lane has a service time to go by.
     */
    private void rejudge() {
        if (!serviceTime.observed()) {
            return;
        }
        List<SlotPlan.Waiting<QueuedJob>> waiting = new ArrayList<>();
        for (QueuedJob job : queue) {
            // a job whose caller gave up (deadline, gone) is dropped unrun when polled: it holds no slot in the plan
            if (job.waiting() && !job.outcome.isDone()) {
                waiting.add(new SlotPlan.Waiting<>(job, job.job.timeLeft().toMillis()));
            }
        }
        double likely = likelyServiceMillis();
        for (SlotPlan.Late<QueuedJob> late : SlotPlan.late(targetWorkers, likely, elapsed(), unseenBusy(), waiting)) {
            if (late.job().settle()) {
                lateInQueue.incrementAndGet();
                answerLate(late.job(), late.startMillis(), likely, late.overMillis());
            }
        }
    }

    /**
     * {@link #rejudge} from admission, at most once per {@link #REJUDGE_AT_ADMISSION}: judging the whole queue on
     * every admission of a busy lane (tens of thousands a second for short jobs) made a no-op job cost half as
     * much again (docs/BENCHMARKS.md, Dispatch); the queue is judged every {@link #REJUDGE_PERIOD} anyway, and
     * a job once more when a slot takes it.
     */
    private void rejudgeNowAndThen() {
        long now = System.nanoTime();
        long last = lastAdmissionRejudge.get();
        if (now - last >= REJUDGE_AT_ADMISSION.toNanos() && lastAdmissionRejudge.compareAndSet(last, now)) {
            rejudge();
        }
    }

    private void scheduleRejudge() {
        if (rejudgeScheduled.compareAndSet(false, true)) {
            deadlines.after(REJUDGE_PERIOD, this::rejudgeWhileQueued);
        }
    }

    // on the sweeper's thread, every REJUDGE_PERIOD while jobs wait
    private void rejudgeWhileQueued() {
        if (!closed && !retired && depth() > 0) {
            rejudge();
            if (depth() > 0) {
                deadlines.after(REJUDGE_PERIOD, this::rejudgeWhileQueued);
                return;
            }
        }
        rejudgeScheduled.set(false);
        if (depth() > 0 && !closed && !retired) {
            // a job queued between the check and the reset
            scheduleRejudge();
        }
    }

    /** Answers a job the lane will not run because it cannot end before its deadline: 429 {@code overloaded}. */
    private void answerLate(QueuedJob job, double startMillis, double runMillis, double overMillis) {
        long left = job.job.timeLeft().toMillis();
        long waited = (System.nanoTime() - job.enqueuedNanos) / 1_000_000;
        Map<String, Object> details = new java.util.LinkedHashMap<>();
        details.put("expected_wait_ms", Math.round(startMillis));
        details.put("service_ms", Math.round(runMillis));
        details.put("time_left_ms", left);
        details.put("waited_ms", waited);
        details.put("queue_depth", depth());
        Duration retry = Duration.ofMillis((long) Math.ceil(overMillis));
        metrics.outcome(capability, "-", "overloaded", 0);
        job.outcome.complete(new Outcome.Failed(429, "overloaded", capability + " can no longer serve this job before its"
                + " deadline: after " + waited + " ms in the queue it would start in " + Math.round(startMillis) + " ms and run "
                + Math.round(runMillis) + " ms, with " + left + " ms left; it was not run", nodeId, Optional.empty(),
                Optional.of(retry.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : retry), details));
    }

    /**
     * Matches the slots and workers to what the usable providers can run at once, and the workers'
     * kind to the providers' {@link Threading}: {@code installed} is every provider of the capability,
     * usable or not, so the kind does not flip with a provider's health. Stuck jobs of providers no
     * longer installed are forgotten.
     */
    synchronized void resize(List<ProviderSlot> installed) {
        this.installed = List.copyOf(installed);
        stuck.removeIf(job -> !this.installed.contains(job.provider));
        int wanted = Math.min(settings.maxWorkers(), Math.max(1,
                providers.get().stream().mapToInt(ProviderSlot::concurrency).sum()));
        boolean virtual = !installed.isEmpty() && installed.stream().allMatch(CapabilityLane::runsOnVirtualThreads);
        if (virtual != callerRuns) {
            // workers of the other kind finish their job and leave; their slots keep the bound meanwhile
            callerRuns = virtual;
            generation++;
            workers.clear();
            idle.wakeAll();
        }
        targetWorkers = wanted;
        startMissingWorkers();
        if (workers.size() > wanted) {
            // surplus workers see their index above the target and leave after their current job
            idle.wakeAll();
        }
    }

    // guarded by this
    private void startMissingWorkers() {
        workers.values().removeIf(t -> !t.isAlive());
        for (int index = 0; index < targetWorkers && !closed && !retired; index++) {
            if (!workers.containsKey(index)) {
                int workerIndex = index;
                int workerGeneration = generation;
                Thread.Builder builder = callerRuns ? Thread.ofVirtual() : Thread.ofPlatform().daemon();
                workers.put(index, builder.name("capfabric-" + capability + "-" + index)
                        .start(() -> work(workerIndex, workerGeneration)));
            }
        }
    }

    /** Gives a worker's index to a new worker, if {@code worker} still holds it. */
    private synchronized void replaceWorker(int index, Thread worker) {
        if (workers.remove(index, worker)) {
            startMissingWorkers();
        }
    }

    private static boolean runsOnVirtualThreads(ProviderSlot slot) {
        return slot.description().map(ProviderDescription::threading).orElse(Threading.PLATFORM) == Threading.VIRTUAL;
    }

    private void work(int index, int workerGeneration) {
        try {
            while (!closed) {
                if (retired || index >= targetWorkers || workerGeneration != generation) {
                    synchronized (this) {
                        if (retired || index >= targetWorkers || workerGeneration != generation) {
                            workers.remove(index, Thread.currentThread());
                            if (retired) {
                                answerQueued("capability " + capability + " was removed from this node");
                            }
                            return;
                        }
                    }
                }
                QueuedJob next = null;
                if (!queue.isEmpty() && tryTakeSlot()) {
                    boolean held = true;
                    try {
                        next = queue.poll();
                        if (next != null) {
                            held = run(next, index);
                        }
                    } finally {
                        if (held) {
                            releaseSlot();
                        }
                    }
                    if (!held) {
                        // written off while its job was stuck: a new worker has this index and slot now
                        return;
                    }
                }
                if (next == null) {
                    // a provider may have left the interrupt flag set, which would make parking return at once;
                    // close() interrupts too, but sets closed first
                    Thread.interrupted();
                    idle.park(() -> (!queue.isEmpty() && slots.get() < targetWorkers) || closed || retired
                            || index >= targetWorkers || workerGeneration != generation, IDLE_CHECK);
                }
            }
        } catch (RuntimeException | Error e) {
            // run() answers every job first; what gets here (OutOfMemoryError) ends this worker, not the lane
            replaceWorker(index, Thread.currentThread());
            throw e;
        }
    }

    /**
     * Runs one job on the calling thread ({@code worker} is its index, -1 for a caller) and completes its
     * outcome. Returns whether the thread still holds its slot: false when the job was written off as
     * stuck meanwhile, its slot given to another thread.
     */
    private boolean run(QueuedJob queuedJob, int worker) {
        if (!queuedJob.settle()) {
            // answered as late while it waited: it leaves the queue now, unrun
            lateInQueue.decrementAndGet();
            return true;
        }
        if (queuedJob.job.cancellation().isCancelled()) {
            metrics.outcome(capability, "-", "cancelled", 0);
            queuedJob.outcome.complete(Outcome.Failed.of(499, "cancelled", "the caller went away before the job started", nodeId));
            return true;
        }
        if (queuedJob.job.timeLeft().isZero()) {
            metrics.outcome(capability, "-", "expired", 0);
            queuedJob.outcome.complete(Outcome.Failed.of(504, "timeout",
                    "the job's deadline passed while it waited in the queue; it was not run", nodeId));
            return true;
        }
        if (queuedJob.promised && serviceTime.observed()) {
            // admitted on a plan that did not hold (the jobs ahead ran longer): it would end past its deadline
            double planned = plannedServiceMillis();
            double over = planned - queuedJob.job.timeLeft().toMillis();
            if (over > 0) {
                answerLate(queuedJob, 0, planned, over);
                return true;
            }
            // or the runs since it was admitted say that what is left of its time is too short for it
            Optional<RecentRuns.Refusal> tooLong = ownRunTooLong(queuedJob.job);
            if (tooLong.isPresent()) {
                answerLate(queuedJob, 0, tooLong.get().runMillis(), tooLong.get().retryMillis());
                return true;
            }
        }
        Optional<ProviderSlot> chosen = choose(queuedJob);
        if (chosen.isEmpty()) {
            queuedJob.outcome.complete(noProvider(queuedJob));
            return true;
        }
        ProviderSlot slot = chosen.get();
        RunningJob current = new RunningJob(queuedJob, slot, Thread.currentThread(), worker);
        running.incrementAndGet();
        active.add(current);
        if (queuedJob.job.cancellation() instanceof CancellationFlag flag) {
            flag.whenCancelled(() -> noLongerWanted(current));
        }
        Outcome outcome;
        OutOfMemoryError fatal = null;
        try {
            Result result = slot.handle(queuedJob.job);
            if (result == null) {
                throw new IllegalStateException("provider returned no result");
            }
            outcome = new Outcome.Served(result, nodeId, slot.id());
        } catch (CapabilityException e) {
            outcome = new Outcome.Failed(e.kind().httpStatus(), e.kind().wireName(), e.getMessage(), nodeId,
                    Optional.of(slot.id()), e.kind() == CapabilityException.Kind.UNAVAILABLE ? Optional.of(Duration.ofSeconds(1)) : Optional.empty(),
                    Map.of("provider", slot.id()));
        } catch (OutOfMemoryError e) {
            fatal = e;
            outcome = internal(slot, e);
        } catch (RuntimeException | Error e) {
            // an Error too (StackOverflowError, AssertionError, a LinkageError ...): the job failed, the worker lives on
            LOG.log(System.Logger.Level.WARNING, "provider " + slot.id() + " failed job " + queuedJob.job.id(), e);
            outcome = internal(slot, e);
        }
        boolean held = current.finish();
        active.remove(current);
        long end = System.nanoTime();
        double millis = (end - current.startNanos) / 1e6;
        if (held) {
            running.decrementAndGet();
            if (current.interrupted()) {
                abandoned.decrementAndGet();
            }
            serviceTime.record(millis);
            if (millis >= RecentRuns.KEPT_FROM_MILLIS) {
                // stopped: interrupted, or cancelled before the interrupt reached it (a provider that polls its cancellation
                // can see the flag set and return in the moment before the canceller interrupts its thread)
                recentRuns.add(keptRun(queuedJob, end, millis, current.interrupted() || queuedJob.job.cancellation().isCancelled()));
            }
        } else {
            stuckJobReturned(current, millis);
        }
        metrics.outcome(capability, slot.id(), outcome instanceof Outcome.Served ? "served" : ((Outcome.Failed) outcome).kind(), millis);
        queuedJob.outcome.complete(outcome);
        if (fatal != null) {
            throw fatal;
        }
        return held;
    }

    /**
     * A run for {@link RecentRuns}: cut when it ended after its deadline (its provider stopped there, or overran it),
     * or was stopped (interrupted or cancelled) for its deadline and ended just before it: a caller waiting on a
     * platform worker gives up after the time left in whole milliseconds, so it can stop the job up to a millisecond
     * early, and such a run read as not cut said nothing against the next job like it (AdmissionTest, seen in
     * fresh-clone CI).
     */
    private static RecentRuns.Run keptRun(QueuedJob job, long endNanos, double millis, boolean stopped) {
        double leftAtEnd = Duration.between(Instant.now(), job.job.deadline()).toNanos() / 1e6;
        boolean cut = leftAtEnd <= 0 || stopped && leftAtEnd < STOPPED_NEAR_DEADLINE_MILLIS;
        return new RecentRuns.Run(endNanos, job.job.input().size(), millis, cut,
                leftAtEnd + (endNanos - job.enqueuedNanos) / 1e6);
    }

    // a stop this close to the deadline was the deadline's (a caller that left stops the job long before it)
    private static final double STOPPED_NEAR_DEADLINE_MILLIS = 10;

    /**
     * Whether a job's own run would likely end past its deadline, judged on the lane's recent runs of jobs like
     * it ({@link RecentRuns}, with the jobs running now): whether or not a slot is free for it. Empty, at the
     * cost of one volatile read, while the lane has kept fewer than two runs (a lane of short jobs keeps none),
     * and of a clock read while fewer than two of them are recent and fewer than two of its long jobs run: a lane
     * that knows nothing refuses nothing.
     */
    Optional<RecentRuns.Refusal> ownRunTooLong(Job job) {
        if (!recentRuns.keptTwo()) {
            return Optional.empty();
        }
        long now = System.nanoTime();
        // jobs running past the time left count too, on a lane of long jobs (a lane of short ones keeps no runs recent
        // enough, and does not look at its running jobs for this)
        boolean ongoingMayCount = running.get() >= RecentRuns.LEAST_MISSES && serviceTime.millis() >= RecentRuns.KEPT_FROM_MILLIS;
        if (!recentRuns.judgeable(now) && !ongoingMayCount) {
            return Optional.empty();
        }
        List<RecentRuns.Ongoing> ongoing = new ArrayList<>();
        for (RunningJob current : active) {
            if (!current.interrupted()) {
                // one cut off at its deadline counts once it returns, as a run cut short
                ongoing.add(new RecentRuns.Ongoing(current.job.job.input().size(), (now - current.startNanos) / 1e6));
            }
        }
        return recentRuns.judge(now, job.input().size(), job.timeLeft().toNanos() / 1e6, ongoing);
    }

    private Outcome.Failed internal(ProviderSlot slot, Throwable e) {
        return new Outcome.Failed(500, "internal", "provider " + slot.id() + " failed: " + e, nodeId,
                Optional.of(slot.id()), Optional.empty(), Map.of("provider", slot.id()));
    }

    /**
     * The job's result is no longer wanted (deadline passed, caller gone): interrupts its thread, and
     * writes the job off if it is still running a grace after its deadline.
     */
    private void noLongerWanted(RunningJob current) {
        if (current.interrupt()) {
            abandoned.incrementAndGet();
            deadlines.after(current.job.job.timeLeft().plus(settings.stuckGrace()), () -> writeOff(current));
        }
    }

    private void writeOff(RunningJob current) {
        if (closed || !current.writeOff()) {
            return;
        }
        running.decrementAndGet();
        abandoned.decrementAndGet();
        active.remove(current);
        stuck.add(current);
        current.provider.jobStuck();
        metrics.outcome(capability, current.provider.id(), "stuck", 0);
        LOG.log(System.Logger.Level.WARNING, "job {0} of provider {1} ({2}) is stuck: handle() has not returned {3} ms after "
                        + "the deadline, though interrupted and cancelled; thread {4} is written off and its slot given to a new "
                        + "thread ({5} stuck for the provider, which runs {6} at once)",
                current.job.job.id(), current.provider.id(), capability, settings.stuckGrace().toMillis(), current.thread.getName(),
                current.provider.stuck(), current.provider.concurrency());
        if (current.worker >= 0) {
            replaceWorker(current.worker, current.thread);
        }
        releaseSlot();
        providerStatusChanged.run();
    }

    private void stuckJobReturned(RunningJob current, double millis) {
        stuck.remove(current);
        current.provider.stuckJobReturned();
        LOG.log(System.Logger.Level.INFO, "stuck job {0} of provider {1} ({2}) returned after {3} ms; its thread ends",
                current.job.job.id(), current.provider.id(), capability, Math.round(millis));
        providerStatusChanged.run();
    }

    /**
     * Among the providers that offer the model and language the job asks for and take its input size:
     * the provider the job named, else the most preferred one with a free slot, else the most preferred.
     */
    private Optional<ProviderSlot> choose(QueuedJob queuedJob) {
        Optional<String> named = queuedJob.job.parameter("provider");
        Asked asked = Asked.of(queuedJob.job);
        ProviderSlot preferred = null;
        for (ProviderSlot slot : providers.get()) {
            if (!Dispatcher.offers(slot, asked) || !Dispatcher.accepts(slot, queuedJob.job.input())
                    || !Dispatcher.takesSize(slot, queuedJob.job)) {
                continue;
            }
            if (named.isPresent()) {
                if (slot.id().equals(named.get())) {
                    return Optional.of(slot);
                }
            } else if (slot.inflight() - slot.stuck() < slot.concurrency()) {
                return Optional.of(slot);
            } else if (preferred == null) {
                preferred = slot;
            }
        }
        return Optional.ofNullable(preferred);
    }

    private Outcome noProvider(QueuedJob queuedJob) {
        Optional<String> named = queuedJob.job.parameter("provider");
        String message = named.map(n -> "provider '" + n + "' is not usable for " + capability + " on this node")
                .orElse("no usable provider for " + capability + " on this node");
        return new Outcome.Failed(503, "unavailable", message, nodeId, named, Optional.of(Duration.ofSeconds(5)), Map.of());
    }

    private void answerQueued(String why) {
        QueuedJob left;
        while ((left = queue.poll()) != null) {
            if (!left.settle()) {
                lateInQueue.decrementAndGet();
                continue;
            }
            left.outcome.complete(new Outcome.Failed(503, "unavailable", why, nodeId,
                    Optional.empty(), Optional.of(Duration.ofSeconds(1)), Map.of()));
        }
    }

    /**
     * The capability left this node: takes no more jobs, answers those queued (503), lets running ones
     * finish; its workers then leave.
     */
    void retire() {
        retired = true;
        idle.wakeAll();
        answerQueued("capability " + capability + " was removed from this node");
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            workers.values().forEach(Thread::interrupt);
        }
        answerQueued("the node is shutting down");
    }

    /**
     * Waits up to {@code timeout} for running and queued jobs to finish; returns whether they did. Jobs
     * nobody waits for any more (past their deadline, their caller gone, or written off as stuck) are
     * not waited for: their answer was given, and a stuck one may never return.
     */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!isIdle() && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        return isIdle();
    }

    /** No job queued, and none running that anybody still waits for. */
    boolean isIdle() {
        return running.get() - abandoned.get() <= 0 && queue.isEmpty();
    }
}
