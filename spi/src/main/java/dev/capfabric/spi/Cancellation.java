package dev.capfabric.spi;

/**
 * Tells a provider that nobody waits for a job's result any more: the caller disconnected or the
 * deadline passed. A provider that works in steps checks it between steps and stops early;
 * the kernel discards whatever such a job returns.
 *
 * <p>It is also the job's way back to its caller while it runs: a provider may report
 * {@linkplain #progress progress} and emit {@linkplain #partial partial results} (stt segments as they
 * are decoded, tts audio sentence by sentence, OCR page by page). The kernel carries them to whoever
 * follows the job (server-sent events over HTTP); where nobody does, they cost nothing. All three
 * event methods have defaults, so a provider or a tool that implements this interface for its own
 * jobs needs {@link #isCancelled()} alone.
 */
@FunctionalInterface
public interface Cancellation {

    /** True once the job's result is no longer wanted. Never goes back to false. */
    boolean isCancelled();

    /**
     * True when someone follows this job's progress and partial results, so that a provider may choose
     * to work in pieces (sentence by sentence, say) although one piece would be faster. False by default.
     */
    default boolean streaming() {
        return false;
    }

    /**
     * Reports how far the job has come. Cheap and non-blocking: the kernel drops reports nobody follows
     * and may drop some when its caller reads slowly. May be called from any thread.
     *
     * @param fraction done so far, from 0 to 1 (values outside are clamped)
     * @param message  what the job is doing now, for people; may be empty, never null
     */
    default void progress(double fraction, String message) {
    }

    /**
     * Hands over one piece of the result ahead of the whole: a piece stands on its own (a sentence's
     * complete WAV file, a segment's text with its times) and the pieces come in order. The final
     * {@link Result} still carries the whole answer: a caller that follows no events loses nothing.
     * May block briefly while the caller reads; never throws.
     *
     * @param piece the piece: output bytes and/or JSON-compatible metadata
     */
    default void partial(Result piece) {
    }

    /** A cancellation that never fires, for jobs built outside the kernel (tests, tools). */
    static Cancellation never() {
        return () -> false;
    }
}
