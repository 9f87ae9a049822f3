package dev.capfabric.kernel.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.capfabric.kernel.http.ApiError;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * A durable job as every node sees it (the value under its key in the state bucket, and the answer of
 * {@code GET /v1/jobs/{id}}).
 *
 * @param id          the job's id
 * @param capability  the capability it asks for
 * @param status      {@code queued}, {@code running}, {@code succeeded}, {@code failed} or {@code cancelled}
 * @param node        the node running it or that ran it last; null while queued
 * @param error       why it failed or was cancelled; null otherwise
 * @param attempts    every run so far, in order, with how each ended
 * @param createdAt   when it was submitted (ISO-8601, UTC)
 * @param updatedAt   when this state was written
 * @param mediaType   the result's media type, once succeeded
 * @param resultBytes the result's size in bytes, once succeeded
 * @param metadata    the provider's metadata, once succeeded
 * @param callbackUrl where the result is posted once the job ends, if anywhere
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobState(String id, String capability, String status, String node, ApiError.Body error,
                       List<Attempt> attempts, String createdAt, String updatedAt, String mediaType, Long resultBytes,
                       Map<String, Object> metadata, String callbackUrl) {

    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    public static final String CANCELLED = "cancelled";

    /**
     * One run of the job.
     *
     * @param node      the node that ran it
     * @param startedAt when it started
     * @param outcome   {@code running}, {@code succeeded}, or the error kind it ended with
     * @param reason    what happened, for people; null while running or on success
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Attempt(String node, String startedAt, String outcome, String reason) {
    }

    public JobState {
        requireNonNull(id, "id is null");
        requireNonNull(capability, "capability is null");
        requireNonNull(status, "status is null");
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
    }

    /** A job just submitted. */
    static JobState queued(String id, String capability, Instant now, String callbackUrl) {
        return new JobState(id, capability, QUEUED, null, null, List.of(), now.toString(), now.toString(), null, null, null, callbackUrl);
    }

    /** Whether the job has ended (succeeded, failed or cancelled): nothing changes it any more. */
    public boolean ended() {
        return status.equals(SUCCEEDED) || status.equals(FAILED) || status.equals(CANCELLED);
    }

    JobState running(String onNode, Instant now) {
        List<Attempt> all = new ArrayList<>(closeOpenAttempt("lost", "node " + node + " stopped answering: its claim on the job expired"));
        all.add(new Attempt(onNode, now.toString(), RUNNING, null));
        return new JobState(id, capability, RUNNING, onNode, null, all, createdAt, now.toString(), null, null, null, callbackUrl);
    }

    JobState succeeded(Instant now, String resultType, long bytes, Map<String, Object> resultMetadata) {
        return new JobState(id, capability, SUCCEEDED, node, null, closeOpenAttempt(SUCCEEDED, null), createdAt, now.toString(),
                resultType, bytes, resultMetadata, callbackUrl);
    }

    /** The run on this node ended with {@code kind}: queued again for another attempt. */
    JobState retrying(Instant now, String kind, String reason) {
        return new JobState(id, capability, QUEUED, node, null, closeOpenAttempt(kind, reason), createdAt, now.toString(),
                null, null, null, callbackUrl);
    }

    JobState failed(Instant now, ApiError.Body why) {
        return new JobState(id, capability, FAILED, node, why, closeOpenAttempt(why.kind(), why.message()), createdAt, now.toString(),
                null, null, null, callbackUrl);
    }

    JobState cancelled(Instant now, String why) {
        return new JobState(id, capability, CANCELLED, node, new ApiError.Body("cancelled", why, Map.of()),
                closeOpenAttempt(CANCELLED, why), createdAt, now.toString(), null, null, null, callbackUrl);
    }

    /** The attempts, the last one closed with {@code outcome} if it was still running. */
    private List<Attempt> closeOpenAttempt(String outcome, String reason) {
        if (attempts.isEmpty() || !attempts.getLast().outcome().equals(RUNNING)) {
            return attempts;
        }
        List<Attempt> all = new ArrayList<>(attempts);
        Attempt open = all.removeLast();
        all.add(new Attempt(open.node(), open.startedAt(), outcome, reason));
        return all;
    }
}
