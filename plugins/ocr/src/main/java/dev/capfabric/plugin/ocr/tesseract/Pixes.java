package dev.capfabric.plugin.ocr.tesseract;

import org.bytedeco.leptonica.PIX;

import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.leptonica.global.leptonica.pixDestroy;

/**
 * The Leptonica images one page's preparation made, released together when the page has been read.
 * Not thread-safe: one page, one job.
 *
 * <p>Every reference Leptonica hands out is kept through a handle of its own: a function may answer a
 * clone of its argument (the same address, its reference count raised), for which JavaCPP gives back
 * the very argument object, and {@code pixDestroy} clears the handle it is given. One handle per
 * reference, each destroyed once, releases clones and copies alike.
 */
final class Pixes implements AutoCloseable {

    private final List<PIX> owned = new ArrayList<>();

    /**
     * Takes over {@code made}, a reference the caller got from Leptonica and will not release itself.
     *
     * @return a handle on it, valid until {@link #close()}; null when {@code made} is null (Leptonica failed)
     */
    PIX keep(PIX made) {
        if (made == null || made.isNull()) {
            return null;
        }
        PIX handle = new PIX(made);
        owned.add(handle);
        return handle;
    }

    /** Releases every image kept, the last made first. */
    @Override
    public void close() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            pixDestroy(owned.get(i));
        }
        owned.clear();
    }
}
