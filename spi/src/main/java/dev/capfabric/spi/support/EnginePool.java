package dev.capfabric.spi.support;

import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Job;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * Engines that are not thread-safe, shared by the kernel's workers: each job borrows one engine for
 * its whole run, so an engine is never used by two threads at once. No engine exists until a job needs
 * one; then at most {@code size} exist, made as jobs overlap. Engines left idle for the pool's
 * {@code idleRelease} are closed, freeing their models until the next job.
 *
 * <p>An engine whose call fails with anything but a {@link CapabilityException} is closed instead
 * of being reused: its native or internal state can no longer be trusted. When the very first engine
 * cannot be made, the model is taken as broken: that job and every later one fail with
 * {@code UNAVAILABLE} and {@link #broken()} gives the reason, without loading the model again.
 *
 * @param <E> the engine type
 */
public final class EnginePool<E extends AutoCloseable> implements AutoCloseable {

    /** Makes one engine. */
    @FunctionalInterface
    public interface EngineMaker<E> {
        E make() throws Exception;
    }

    /** One use of a borrowed engine. */
    @FunctionalInterface
    public interface EngineCall<E, R> {
        R call(E engine) throws CapabilityException;
    }

    /**
     * How the pool holds on to engines.
     *
     * @param size         the most engines at once
     * @param idleRelease  how long an engine may sit unused before it is closed; zero keeps engines
     * @param afterRelease run after idle engines were closed (to give their memory back, say)
     */
    public record Holding(int size, Duration idleRelease, Runnable afterRelease) {
        public Holding {
            if (size <= 0) {
                throw new IllegalArgumentException("size must be positive: " + size);
            }
            requireNonNull(idleRelease, "idleRelease is null");
            requireNonNull(afterRelease, "afterRelease is null");
            if (idleRelease.isNegative()) {
                throw new IllegalArgumentException("idleRelease is negative: " + idleRelease);
            }
        }

        public static Holding of(int size, Duration idleRelease) {
            return new Holding(size, idleRelease, () -> { });
        }
    }

    /** An engine waiting for its next job, and since when. */
    private record Idle<E>(E engine, Instant since) {
    }

    private final String name;
    private final Holding holding;
    private final EngineMaker<E> maker;
    private final Clock clock;
    private final LinkedBlockingDeque<Idle<E>> idle = new LinkedBlockingDeque<>();
    private final AtomicInteger made = new AtomicInteger();
    private final ScheduledExecutorService releaser;
    private volatile boolean everMade;
    private volatile String broken;

    /**
     * A pool that closes idle engines on a timer of its own when {@code holding} says so.
     *
     * @param name  the engine's name, for messages
     * @param maker makes an engine
     */
    public EnginePool(String name, Holding holding, EngineMaker<E> maker) {
        this(name, holding, maker, Clock.systemUTC());
        if (releaser != null) {
            long period = Math.clamp(holding.idleRelease().toMillis() / 4, 1_000, 60_000);
            releaser.scheduleWithFixedDelay(this::releaseIdle, period, period, TimeUnit.MILLISECONDS);
        }
    }

    /** For tests: a pool on {@code clock} whose idle engines go only when {@link #releaseIdle()} is called. */
    EnginePool(String name, Holding holding, EngineMaker<E> maker, Clock clock) {
        this.name = requireNonNull(name, "name is null");
        this.holding = requireNonNull(holding, "holding is null");
        this.maker = requireNonNull(maker, "maker is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.releaser = holding.idleRelease().isZero() ? null : Executors.newSingleThreadScheduledExecutor(
                Thread.ofVirtual().name(name + "-idle-release").factory());
    }

    public int size() {
        return holding.size();
    }

    /** Engines that exist now, idle or busy. */
    public int started() {
        return made.get();
    }

    /** Why no engine can be made, once the first attempt failed. */
    public Optional<String> broken() {
        return Optional.ofNullable(broken);
    }

    /**
     * Borrows an engine for {@code call} and gives it back afterwards.
     *
     * @throws CapabilityException what {@code call} throws; {@code TIMEOUT} when no engine frees up before
     *                             the job's deadline; {@code UNAVAILABLE} when an engine cannot be made
     */
    public <R> R use(Job job, EngineCall<E, R> call) throws CapabilityException {
        E engine = borrow(job);
        boolean healthy = false;
        try {
            R result = call.call(engine);
            healthy = true;
            return result;
        } catch (CapabilityException e) {
            healthy = true;
            throw e;
        } finally {
            if (healthy) {
                idle.addFirst(new Idle<>(engine, clock.instant()));
            } else {
                discard(engine);
            }
        }
    }

    private E borrow(Job job) throws CapabilityException {
        while (true) {
            String reason = broken;
            if (reason != null) {
                throw CapabilityException.unavailable(reason);
            }
            Idle<E> waiting = idle.pollFirst();
            if (waiting != null) {
                return waiting.engine();
            }
            if (made.getAndIncrement() < holding.size()) {
                return make();
            }
            made.decrementAndGet();
            long left = job.timeLeft().toMillis();
            if (left <= 0) {
                throw CapabilityException.timeout("deadline passed while waiting for a free " + name + " engine");
            }
            try {
                // wake up now and then: a discarded engine frees a slot without anything entering the queue
                waiting = idle.pollFirst(Math.min(left, 200), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw CapabilityException.timeout("interrupted while waiting for a free " + name + " engine");
            }
            if (waiting != null) {
                return waiting.engine();
            }
        }
    }

    private E make() throws CapabilityException {
        try {
            E engine = maker.make();
            everMade = true;
            return engine;
        } catch (VirtualMachineError e) {
            made.decrementAndGet();
            throw e;
        } catch (Exception | Error e) {
            // Sphinx4 reports a model file it cannot read as java.lang.Error
            made.decrementAndGet();
            if (!everMade) {
                broken = name + " could not load its model: " + e.getMessage();
                throw new CapabilityException(CapabilityException.Kind.UNAVAILABLE, broken, e);
            }
            // the model loaded before, so this is the machine (memory, say), not the model: only this job fails
            throw new CapabilityException(CapabilityException.Kind.UNAVAILABLE,
                    "could not start another " + name + " engine: " + e.getMessage(), e);
        }
    }

    /**
     * Closes the engines that have been idle for at least the pool's {@code idleRelease}.
     *
     * @return how many were closed
     */
    int releaseIdle() {
        if (holding.idleRelease().isZero()) {
            return 0;
        }
        Instant cutoff = clock.instant().minus(holding.idleRelease());
        int released = 0;
        // engines are given back at the head, so the one idle longest is at the tail
        for (Idle<E> oldest = idle.peekLast(); oldest != null && !oldest.since().isAfter(cutoff);
             oldest = idle.peekLast()) {
            if (idle.removeLastOccurrence(oldest)) {
                discard(oldest.engine());
                released++;
            }
        }
        if (released > 0) {
            holding.afterRelease().run();
        }
        return released;
    }

    private void discard(E engine) {
        made.decrementAndGet();
        try {
            engine.close();
        } catch (Exception ignored) {
            // the engine already failed or is no longer wanted; its close failing changes nothing for a caller
        }
    }

    /** Closes every engine. Called when no job is running any more. */
    @Override
    public void close() {
        if (releaser != null) {
            releaser.shutdownNow();
        }
        List<Idle<E>> engines = new ArrayList<>();
        idle.drainTo(engines);
        for (Idle<E> engine : engines) {
            discard(engine.engine());
        }
    }
}
