package dev.capfabric.plugin.stt;

import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Job;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * Engines that are not thread-safe, shared by the kernel's workers: each job borrows one engine for
 * its whole run, so an engine is never used by two threads at once. At most {@code size} engines
 * exist; the first is made up front (so a broken model shows at creation), the others when load
 * first needs them.
 *
 * <p>An engine whose call fails with anything but a {@link CapabilityException} is closed instead
 * of being reused: its native or internal state can no longer be trusted.
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

    private final String name;
    private final int size;
    private final EngineMaker<E> maker;
    private final LinkedBlockingDeque<E> idle = new LinkedBlockingDeque<>();
    private final AtomicInteger made = new AtomicInteger();

    /**
     * @param name  the engine's name, for messages
     * @param size  the most engines to hold
     * @param maker makes an engine
     * @throws Exception when the first engine cannot be made
     */
    public EnginePool(String name, int size, EngineMaker<E> maker) throws Exception {
        this.name = requireNonNull(name, "name is null");
        this.maker = requireNonNull(maker, "maker is null");
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive: " + size);
        }
        this.size = size;
        idle.add(maker.make());
        made.set(1);
    }

    public int size() {
        return size;
    }

    /**
     * Borrows an engine for {@code call} and gives it back afterwards.
     *
     * @throws CapabilityException what {@code call} throws; {@code TIMEOUT} when no engine frees up before
     *                             the job's deadline; {@code UNAVAILABLE} when a new engine cannot be made
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
                idle.addFirst(engine);
            } else {
                discard(engine);
            }
        }
    }

    private E borrow(Job job) throws CapabilityException {
        while (true) {
            E engine = idle.pollFirst();
            if (engine != null) {
                return engine;
            }
            if (made.getAndIncrement() < size) {
                try {
                    return maker.make();
                } catch (Exception e) {
                    made.decrementAndGet();
                    throw new CapabilityException(CapabilityException.Kind.UNAVAILABLE,
                            "could not start another " + name + " engine: " + e.getMessage(), e);
                }
            }
            made.decrementAndGet();
            long left = job.timeLeft().toMillis();
            if (left <= 0) {
                throw CapabilityException.timeout("deadline passed while waiting for a free " + name + " engine");
            }
            try {
                // wake up now and then: a discarded engine frees a slot without anything entering the queue
                engine = idle.pollFirst(Math.min(left, 200), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw CapabilityException.timeout("interrupted while waiting for a free " + name + " engine");
            }
            if (engine != null) {
                return engine;
            }
        }
    }

    private void discard(E engine) {
        made.decrementAndGet();
        try {
            engine.close();
        } catch (Exception ignored) {
            // the engine already failed; its close failing too changes nothing for the caller
        }
    }

    /** Closes every engine. Called when no job is running any more. */
    @Override
    public void close() {
        List<E> engines = new ArrayList<>();
        idle.drainTo(engines);
        for (E engine : engines) {
            discard(engine);
        }
    }
}
