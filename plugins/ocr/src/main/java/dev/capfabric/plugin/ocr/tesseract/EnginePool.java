package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.spi.CapabilityException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * At most {@code size} Tesseract engines, started on demand and reused across jobs. A job borrows
 * one engine for its whole recognition, preferring an idle engine that already holds the job's
 * language, since loading a model costs more than recognising a page. An engine unused for
 * {@code idleRelease} is ended, freeing its model until a job needs one again.
 */
final class EnginePool implements AutoCloseable {

    private record Idle(TesseractEngine engine, long sinceNanos) {
    }

    private final Path tessdata;
    private final int size;
    private final Duration idleRelease;
    private final Semaphore permits;
    private final RecognitionWatch watch = new RecognitionWatch();
    private final Deque<Idle> idle = new ArrayDeque<>();
    private final ScheduledExecutorService releaser;
    private int started;
    private boolean closed;

    /**
     * @param idleRelease how long an engine may sit unused before it is ended; zero keeps engines
     */
    EnginePool(Path tessdata, int size, Duration idleRelease) {
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive: " + size);
        }
        if (idleRelease.isNegative()) {
            throw new IllegalArgumentException("idleRelease is negative: " + idleRelease);
        }
        this.tessdata = tessdata;
        this.size = size;
        this.idleRelease = idleRelease;
        this.permits = new Semaphore(size, true);
        if (idleRelease.isZero()) {
            this.releaser = null;
        } else {
            this.releaser = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("tesseract-idle-release").daemon().factory());
            long period = Math.clamp(idleRelease.toMillis() / 4, 1_000, 60_000);
            releaser.scheduleWithFixedDelay(this::releaseIdle, period, period, TimeUnit.MILLISECONDS);
        }
    }

    /** Ends the engines unused for longer than {@code idleRelease}. */
    private synchronized void releaseIdle() {
        long now = System.nanoTime();
        for (Iterator<Idle> it = idle.iterator(); it.hasNext(); ) {
            Idle unused = it.next();
            if (now - unused.sinceNanos() >= idleRelease.toNanos()) {
                it.remove();
                started--;
                unused.engine().close();
            }
        }
    }

    int size() {
        return size;
    }

    /** Engines started so far, at most {@link #size()}. */
    synchronized int started() {
        return started;
    }

    /**
     * Borrows an engine with {@code languages} loaded, waiting at most {@code wait} for one to be free.
     *
     * @throws CapabilityException {@code TIMEOUT} when none is free in time, {@code UNAVAILABLE} once
     *                             closed, {@code UNPROCESSABLE} when the language cannot be loaded
     */
    TesseractEngine borrow(String languages, Duration wait) throws CapabilityException {
        try {
            if (!permits.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                throw CapabilityException.timeout("no Tesseract engine became free before the job's deadline");
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw CapabilityException.timeout("interrupted while waiting for a Tesseract engine");
        }
        TesseractEngine engine;
        try {
            engine = take(languages);
        } catch (CapabilityException | RuntimeException | Error failed) {
            permits.release();
            throw failed;
        }
        try {
            engine.load(languages);
            return engine;
        } catch (CapabilityException unloadable) {
            discard(engine);
            throw unloadable;
        }
    }

    /** Ends an engine whose language failed to load: Tesseract leaves it unable to recognise anything afterwards. */
    private void discard(TesseractEngine engine) {
        synchronized (this) {
            started--;
        }
        engine.close();
        permits.release();
    }

    /** Returns a borrowed engine. */
    void giveBack(TesseractEngine engine) {
        synchronized (this) {
            if (closed) {
                engine.close();
            } else {
                idle.push(new Idle(engine, System.nanoTime()));
            }
        }
        permits.release();
    }

    private synchronized TesseractEngine take(String languages) throws CapabilityException {
        if (closed) {
            throw CapabilityException.unavailable("the tesseract provider is closed");
        }
        for (Iterator<Idle> it = idle.iterator(); it.hasNext(); ) {
            TesseractEngine engine = it.next().engine();
            if (languages.equals(engine.language())) {
                it.remove();
                return engine;
            }
        }
        if (started < size) {
            TesseractEngine engine = new TesseractEngine(tessdata, watch);
            started++;
            return engine;
        }
        // the permit guarantees an idle engine when all have been started
        return idle.pop().engine();
    }

    /** Ends every engine. Called after the last borrowed engine came back. */
    @Override
    public void close() {
        if (releaser != null) {
            releaser.shutdownNow();
        }
        synchronized (this) {
            closed = true;
            idle.forEach(unused -> unused.engine().close());
            idle.clear();
        }
        watch.close();
    }
}
