package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.spi.Job;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tesseract.CANCEL_FUNC;

/**
 * The callback Tesseract asks during recognition, before each unit it recognises (a text line with
 * LSTM models), whether to stop: it answers yes once the job on the calling thread is abandoned
 * (cancelled or past its deadline).
 *
 * <p>One instance serves all engines of a provider and is released with it: JavaCPP backs each
 * callback object with one of ten native thunks per class loader, so a callback per engine or per
 * job would run out. Recognition runs on the thread that called {@code Recognize}, so the job being
 * recognised is found through a thread-local set for the duration of that call.
 */
final class RecognitionWatch extends CANCEL_FUNC {

    private static final ThreadLocal<Job> WATCHED = new ThreadLocal<>();

    RecognitionWatch() {
        super();
    }

    /** Makes the callback answer for {@code job} on this thread until {@link #stop()} is called. */
    void watch(Job job) {
        WATCHED.set(job);
    }

    void stop() {
        WATCHED.remove();
    }

    @Override
    public boolean call(Pointer cancelThis, int words) {
        Job job = WATCHED.get();
        return job != null && job.abandoned();
    }
}
