package dev.capfabric.kernel.dispatch;

import dev.capfabric.spi.Cancellation;
import dev.capfabric.spi.Result;

import java.util.ArrayList;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * A {@link Cancellation} the kernel sets when nobody waits for a job any more: the caller went away,
 * or its deadline passed. Setting it runs each registered action once, so whoever waits for the job
 * stops waiting at once.
 *
 * <p>It also carries the provider's progress and partial results to the job's follower, when one
 * {@linkplain #follow follows} it; without one they are dropped.
 */
public final class CancellationFlag implements Cancellation {

    private volatile boolean cancelled;
    private List<Runnable> actions;
    private volatile JobEvents follower;
    private int partials; // guarded by this: pieces handed to the follower, or skipped past

    /** Sends the job's progress and partial results to {@code events} from now on. */
    public void follow(JobEvents events) {
        this.follower = requireNonNull(events, "events is null");
    }

    @Override
    public boolean streaming() {
        return follower != null && !cancelled;
    }

    @Override
    public void progress(double fraction, String message) {
        JobEvents events = follower;
        if (events != null && !cancelled) {
            double clamped = Double.isNaN(fraction) ? 0 : Math.max(0, Math.min(1, fraction));
            events.progress(clamped, message == null ? "" : message);
        }
    }

    @Override
    public void partial(Result piece) {
        JobEvents events = follower;
        if (events != null && piece != null && !cancelled) {
            synchronized (this) {
                partials++;
            }
            events.partial(piece);
        }
    }

    /**
     * Hands over piece {@code index} of the job's result, relayed from the node that runs it: only when
     * no piece of that index or a later one was handed over yet, so a job that a second node runs too (a
     * retry after its first node failed, a hedged attempt) adds only the pieces its follower has not had.
     */
    public void partial(int index, Result piece) {
        JobEvents events = follower;
        if (events == null || piece == null || cancelled) {
            return;
        }
        synchronized (this) {
            if (index < partials) {
                return;
            }
            partials = index + 1;
            // under the lock: two nodes' relays must not hand over pieces out of order
            events.partial(piece);
        }
    }

    /** Tells the follower that {@code count} of the job's events were left out on their way (see {@link JobEvents#dropped}). */
    public void dropped(int count) {
        JobEvents events = follower;
        if (events != null && count > 0 && !cancelled) {
            events.dropped(count);
        }
    }

    /** Marks the job cancelled (a queued job is then dropped before it runs) and runs the actions registered so far. */
    public void cancel() {
        List<Runnable> toRun;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            toRun = actions;
            actions = null;
        }
        if (toRun != null) {
            toRun.forEach(Runnable::run);
        }
    }

    /** Runs {@code action} when the flag is set: now, on this thread, if it is set already. */
    public void whenCancelled(Runnable action) {
        requireNonNull(action, "action is null");
        synchronized (this) {
            if (!cancelled) {
                if (actions == null) {
                    actions = new ArrayList<>(2);
                }
                actions.add(action);
                return;
            }
        }
        action.run();
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }
}
