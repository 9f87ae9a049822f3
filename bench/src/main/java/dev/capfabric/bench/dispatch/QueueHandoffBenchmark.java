package dev.capfabric.bench.dispatch;

import org.jctools.queues.MpmcArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The kernel's job hand-off with the queue it uses against {@link ArrayBlockingQueue}, in the same
 * shape as {@code CapabilityLane}: request threads offer a job (refused when full) and wait for its
 * outcome; platform worker threads take jobs, run them (here: nothing) and complete the outcome.
 *
 * <ul>
 *   <li>{@code jctools}: a JCTools {@link MpmcArrayQueue}; idle workers list themselves and park, and
 *       each queued job unparks at most one (the lane's code, {@code ParkedWorkers});</li>
 *   <li>{@code jctools-semaphore}: the same queue with a semaphore counting queued jobs, the lane's
 *       first design;</li>
 *   <li>{@code abq}: an {@link ArrayBlockingQueue}, {@code offer} to queue and {@code poll(timeout)} to
 *       take, its lock and conditions doing the parking.</li>
 * </ul>
 *
 * <p>Four request threads, one or two workers, capacity 64: a round trip per operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(4)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = "--sun-misc-unsafe-memory-access=allow")
public class QueueHandoffBenchmark {

    private static final int CAPACITY = 64;

    @Param({"jctools", "jctools-semaphore", "abq"})
    public String queue;

    @Param({"1", "2"})
    public int workers;

    private Lane lane;

    @Setup(Level.Trial)
    public void start() {
        lane = switch (queue) {
            case "jctools" -> new JctoolsLane();
            case "jctools-semaphore" -> new JctoolsSemaphoreLane();
            case "abq" -> new BlockingQueueLane();
            default -> throw new IllegalArgumentException(queue);
        };
        lane.start(workers);
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
        lane.stop();
    }

    /** One job: offered (retried while the queue is full, which it never is with four callers), then awaited. */
    @Benchmark
    public Object roundTrip() {
        Job job = new Job();
        while (!lane.offer(job)) {
            Thread.onSpinWait();
        }
        return job.outcome.join();
    }

    static final class Job {
        final CompletableFuture<Object> outcome = new CompletableFuture<>();

        void run() {
            outcome.complete(Boolean.TRUE);
        }
    }

    /** A bounded queue with its workers. */
    abstract static class Lane {
        private final List<Thread> threads = new ArrayList<>();
        volatile boolean closed;

        abstract boolean offer(Job job);

        /** The next job, or null after waiting a while. */
        abstract Job take() throws InterruptedException;

        void start(int workers) {
            for (int i = 0; i < workers; i++) {
                threads.add(Thread.ofPlatform().daemon().name("worker-" + i).start(this::work));
            }
        }

        private void work() {
            while (!closed) {
                try {
                    Job job = take();
                    if (job != null) {
                        job.run();
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void stop() throws InterruptedException {
            closed = true;
            for (Thread thread : threads) {
                thread.interrupt();
                thread.join();
            }
        }
    }

    /** As {@code CapabilityLane} and {@code ParkedWorkers}: MPMC array queue, parked workers woken one per job. */
    static final class JctoolsLane extends Lane {
        private final MpmcArrayQueue<Job> queue = new MpmcArrayQueue<>(CAPACITY);
        private final ConcurrentLinkedQueue<Thread> parked = new ConcurrentLinkedQueue<>();

        @Override
        boolean offer(Job job) {
            if (closed || queue.size() >= CAPACITY || !queue.offer(job)) {
                return false;
            }
            Thread worker = parked.poll();
            if (worker != null) {
                LockSupport.unpark(worker);
            }
            return true;
        }

        @Override
        Job take() throws InterruptedException {
            Job job = queue.poll();
            if (job != null) {
                return job;
            }
            Thread self = Thread.currentThread();
            parked.add(self);
            try {
                if (queue.isEmpty() && !closed) {
                    LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(500));
                }
            } finally {
                parked.remove(self);
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            return null;
        }
    }

    /** The lane's first design: MPMC array queue, a semaphore counting what it holds. */
    static final class JctoolsSemaphoreLane extends Lane {
        private final MpmcArrayQueue<Job> queue = new MpmcArrayQueue<>(CAPACITY);
        private final Semaphore queued = new Semaphore(0);

        @Override
        boolean offer(Job job) {
            if (closed || queue.size() >= CAPACITY || !queue.offer(job)) {
                return false;
            }
            queued.release();
            return true;
        }

        @Override
        Job take() throws InterruptedException {
            if (!queued.tryAcquire(500, TimeUnit.MILLISECONDS)) {
                return null;
            }
            return queue.poll();
        }
    }

    /** The JDK's bounded blocking queue. */
    static final class BlockingQueueLane extends Lane {
        private final ArrayBlockingQueue<Job> queue = new ArrayBlockingQueue<>(CAPACITY);

        @Override
        boolean offer(Job job) {
            return !closed && queue.offer(job);
        }

        @Override
        Job take() throws InterruptedException {
            return queue.poll(500, TimeUnit.MILLISECONDS);
        }
    }
}
