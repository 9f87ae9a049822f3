package dev.capfabric.plugin.tts;

import dev.capfabric.spi.Cancellation;
import dev.capfabric.spi.Result;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A caller following a job, as the kernel's event stream does: records each partial result and progress
 * report with the time it came, and may cancel the job after a number of partials.
 */
public final class Follower implements Cancellation {

    /** A partial result and {@link System#nanoTime()} when it came. */
    public record Piece(Result result, long atNanos) {
    }

    private final boolean streaming;
    private final int cancelAfter;
    private final List<Piece> pieces = new CopyOnWriteArrayList<>();
    private final List<Double> progress = new CopyOnWriteArrayList<>();

    private Follower(boolean streaming, int cancelAfter) {
        this.streaming = streaming;
        this.cancelAfter = cancelAfter;
    }

    /** Follows the job to its end. */
    public static Follower following() {
        return new Follower(true, Integer.MAX_VALUE);
    }

    /** Receives events but does not say it follows (as a job without an event stream). */
    public static Follower notFollowing() {
        return new Follower(false, Integer.MAX_VALUE);
    }

    /** Cancels the job once {@code pieces} partials came. */
    public static Follower leavingAfter(int pieces) {
        return new Follower(true, pieces);
    }

    @Override
    public boolean isCancelled() {
        return pieces.size() >= cancelAfter;
    }

    @Override
    public boolean streaming() {
        return streaming && !isCancelled();
    }

    @Override
    public void progress(double fraction, String message) {
        progress.add(fraction);
    }

    @Override
    public void partial(Result piece) {
        pieces.add(new Piece(piece, System.nanoTime()));
    }

    public List<Piece> pieces() {
        return List.copyOf(pieces);
    }

    public List<Double> progress() {
        return List.copyOf(progress);
    }
}
