package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.spi.CapabilityException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * At most {@code size} Tesseract engines, started on demand and reused across jobs. A job borrows
 * one engine for its whole recognition, preferring an idle engine that already holds the job's
 * language, since loading a model costs more than recognising a page.
 */
final class EnginePool implements AutoCloseable {

    private final Path tessdata;
    private final int size;
    private final Semaphore permits;
    private final RecognitionWatch watch = new RecognitionWatch();
    private final Deque<TesseractEngine> idle = new ArrayDeque<>();
    private int started;
    private boolean closed;

    EnginePool(Path tessdata, int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive: " + size);
        }
        this.tessdata = tessdata;
        this.size = size;
        this.permits = new Semaphore(size, true);
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
                idle.push(engine);
            }
        }
        permits.release();
    }

    private synchronized TesseractEngine take(String languages) throws CapabilityException {
        if (closed) {
            throw CapabilityException.unavailable("the tesseract provider is closed");
        }
        for (Iterator<TesseractEngine> it = idle.iterator(); it.hasNext(); ) {
            TesseractEngine engine = it.next();
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
        return idle.pop();
    }

    /** Ends every engine. Called after the last borrowed engine came back. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            idle.forEach(TesseractEngine::close);
            idle.clear();
        }
        watch.close();
    }
}
