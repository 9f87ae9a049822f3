package dev.capfabric.plugin.image;

import dev.capfabric.spi.Cancellation;
import dev.capfabric.spi.Job;

import java.time.Duration;
import java.time.Instant;

import static java.util.Objects.requireNonNull;

/**
 * When calls to a backend must have finished, and why then: the job's deadline, or the provider's
 * own per-call bound when that comes first.
 *
 * @param at           the instant after which the call is abandoned
 * @param what         what set the instant, for the timeout message
 * @param cancellation fires when nobody waits for the result any more
 */
record CallDeadline(Instant at, String what, Cancellation cancellation) {

    CallDeadline {
        requireNonNull(at, "at is null");
        requireNonNull(what, "what is null");
        requireNonNull(cancellation, "cancellation is null");
    }

    /** The job's deadline, or {@code now + bound} when that is sooner. */
    static CallDeadline forJob(Job job, Duration bound, String boundName) {
        Instant capped = Instant.now().plus(bound);
        return capped.isBefore(job.deadline())
                ? new CallDeadline(capped, boundName + " (" + bound.toMillis() + " ms)", job.cancellation())
                : new CallDeadline(job.deadline(), "the job's deadline", job.cancellation());
    }

    /** {@code now + bound}, for calls no job waits on, such as health probes. */
    static CallDeadline within(Duration bound, String boundName) {
        return new CallDeadline(Instant.now().plus(bound), boundName + " (" + bound.toMillis() + " ms)", Cancellation.never());
    }

    /** Time left, never negative. */
    Duration timeLeft() {
        Duration left = Duration.between(Instant.now(), at);
        return left.isNegative() ? Duration.ZERO : left;
    }
}
