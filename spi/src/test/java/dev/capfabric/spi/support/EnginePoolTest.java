package dev.capfabric.spi.support;

import dev.capfabric.spi.Cancellation;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pool's bookkeeping: when engines are made, how many, and when they go. The engines here are
 * plain objects that count their own closing; the providers' tests run the pool with real engines.
 */
class EnginePoolTest {

    /** An engine that knows whether it was closed. */
    private static final class Engine implements AutoCloseable {
        volatile boolean closed;

        @Override
        public void close() {
            closed = true;
        }
    }

    /** A clock the test moves by hand. */
    private static final class HandClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    private final HandClock clock = new HandClock();
    private final List<Engine> made = new ArrayList<>();
    private final AtomicInteger releases = new AtomicInteger();

    private EnginePool<Engine> pool(int size, Duration idleRelease) {
        return new EnginePool<>("test", new EnginePool.Holding(size, idleRelease, releases::incrementAndGet), () -> {
            Engine engine = new Engine();
            synchronized (made) {
                made.add(engine);
            }
            return engine;
        }, clock);
    }

    @Test
    void makesNoEngineBeforeTheFirstJobAndReusesTheOneItMade() throws Exception {
        try (EnginePool<Engine> pool = pool(2, Duration.ZERO)) {
            assertEquals(0, pool.started());

            Engine first = pool.use(job(), engine -> engine);
            Engine second = pool.use(job(), engine -> engine);

            assertEquals(1, pool.started());
            assertEquals(first, second);
        }
    }

    @Test
    void overlappingJobsGrowThePoolUpToItsSizeAndNoFurther() throws Exception {
        try (EnginePool<Engine> pool = pool(2, Duration.ZERO); ExecutorService workers = Executors.newFixedThreadPool(4)) {
            CountDownLatch allIn = new CountDownLatch(2);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger busy = new AtomicInteger();
            AtomicInteger mostBusy = new AtomicInteger();
            List<Future<?>> jobs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                jobs.add(workers.submit(() -> pool.use(job(), engine -> {
                    mostBusy.accumulateAndGet(busy.incrementAndGet(), Math::max);
                    allIn.countDown();
                    await(release);
                    busy.decrementAndGet();
                    return engine;
                })));
            }
            assertTrue(allIn.await(10, TimeUnit.SECONDS));
            release.countDown();
            for (Future<?> job : jobs) {
                job.get();
            }

            assertEquals(2, made.size());
            assertEquals(2, mostBusy.get());
            assertEquals(2, pool.started());
        }
    }

    @Test
    void closesEnginesIdleForTheReleaseTimeAndMakesANewOneForTheNextJob() throws Exception {
        try (EnginePool<Engine> pool = pool(2, Duration.ofMinutes(10))) {
            Engine first = pool.use(job(), engine -> engine);
            clock.advance(Duration.ofMinutes(9));

            assertEquals(0, pool.releaseIdle());
            assertEquals(0, releases.get());

            clock.advance(Duration.ofMinutes(1));
            assertEquals(1, pool.releaseIdle());
            assertTrue(first.closed);
            assertEquals(0, pool.started());
            assertEquals(1, releases.get());

            Engine next = pool.use(job(), engine -> engine);
            assertTrue(next != first && !next.closed);
            assertEquals(1, pool.started());
        }
    }

    @Test
    void keepsEnginesWhenReleaseIsOff() throws Exception {
        try (EnginePool<Engine> pool = pool(1, Duration.ZERO)) {
            Engine engine = pool.use(job(), e -> e);
            clock.advance(Duration.ofDays(30));

            assertEquals(0, pool.releaseIdle());
            assertTrue(!engine.closed);
        }
    }

    @Test
    void aFirstEngineThatCannotBeMadeMarksThePoolBrokenWithoutTryingAgain() {
        AtomicInteger attempts = new AtomicInteger();
        try (EnginePool<Engine> pool = new EnginePool<>("test", EnginePool.Holding.of(2, Duration.ZERO), () -> {
            attempts.incrementAndGet();
            throw new IOException("model file truncated");
        }, clock)) {
            CapabilityException first = assertThrows(CapabilityException.class,
                    () -> pool.use(job(), engine -> engine));
            CapabilityException second = assertThrows(CapabilityException.class,
                    () -> pool.use(job(), engine -> engine));

            assertEquals(CapabilityException.Kind.UNAVAILABLE, first.kind());
            assertEquals("test could not load its model: model file truncated", first.getMessage());
            assertEquals(first.getMessage(), second.getMessage());
            assertEquals(first.getMessage(), pool.broken().orElseThrow());
            assertEquals(1, attempts.get());
            assertEquals(0, pool.started());
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Job job() {
        return new Job(UUID.randomUUID().toString(), Capability.of("test"), Map.of(), new Payload("application/octet-stream", new byte[0]),
                Instant.now().plusSeconds(120), Cancellation.never());
    }
}
