package dev.capfabric.kernel.http;

import dev.capfabric.kernel.dispatch.CancellationFlag;
import dev.capfabric.kernel.dispatch.DispatchSettings;
import dev.capfabric.kernel.dispatch.JobRoute;
import dev.capfabric.kernel.dispatch.Outcome;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerRequest;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The one way an HTTP request becomes a routed job, shared by {@code POST /v1/capability/<cap>} and
 * the OpenAI-shaped front door: a job id, a deadline from {@code X-Request-Timeout} (bounded by the
 * capability's limits), the node's {@link JobRoute} (local first, then the best node, failover), and
 * cancellation of the job when the HTTP client goes away while it waits.
 */
public final class JobRunner {

    private final JobRoute route;
    private final JobIds jobIds = new JobIds();

    public JobRunner(JobRoute route) {
        this.route = requireNonNull(route, "route is null");
    }

    /** The route every job takes. */
    public JobRoute route() {
        return route;
    }

    /**
     * A new job for a request: its id (the caller's {@code X-Capfabric-Job-Id} when it is a valid token),
     * its deadline, and a cancellation flag the client's departure raises.
     *
     * @throws IllegalArgumentException when {@code X-Request-Timeout} is not a positive whole number
     */
    public Job newJob(ServerRequest request, Capability capability, Map<String, String> parameters, Payload input,
                      DispatchSettings limits) {
        Duration timeout = timeout(request, limits);
        String jobId = request.headers().first(CapabilityService.JOB_ID)
                .filter(dev.capfabric.kernel.config.NodeId::isValid).orElseGet(jobIds::next);
        return new Job(jobId, capability, parameters, input, Instant.now().plus(timeout), new CancellationFlag());
    }

    /** Runs the job; a client that goes away meanwhile cancels it (see {@link ClientConnection}). */
    public Outcome run(Job job, Optional<String> pinned) {
        Optional<ClientConnection> client = ClientConnections.current();
        if (client.isEmpty() || !(job.cancellation() instanceof CancellationFlag flag)) {
            return route.run(job, pinned);
        }
        try (ClientConnection.Watch watch = client.get().watch(flag::cancel)) {
            Outcome outcome = route.run(job, pinned);
            if (watch.clientGone()) {
                // nobody reads an answer: close quietly instead of writing into a dead socket
                throw new CloseConnectionException("client went away; job " + job.id() + " was cancelled");
            }
            return outcome;
        }
    }

    /** The job's time budget: {@code X-Request-Timeout} milliseconds, else the capability's default, never above its maximum. */
    static Duration timeout(ServerRequest request, DispatchSettings limits) {
        Optional<String> header = request.headers().first(CapabilityService.REQUEST_TIMEOUT);
        if (header.isEmpty()) {
            return limits.defaultTimeout();
        }
        long millis;
        try {
            millis = Long.parseLong(header.get().strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("X-Request-Timeout must be a whole number of milliseconds, not '" + header.get() + "'");
        }
        if (millis <= 0) {
            throw new IllegalArgumentException("X-Request-Timeout must be positive");
        }
        Duration asked = Duration.ofMillis(millis);
        return asked.compareTo(limits.maxTimeout()) > 0 ? limits.maxTimeout() : asked;
    }
}
