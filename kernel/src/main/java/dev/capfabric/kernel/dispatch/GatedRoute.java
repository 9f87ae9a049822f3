package dev.capfabric.kernel.dispatch;

import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Job;

import java.util.Optional;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * A route that runs jobs only while the node serves: while it starts or drains, every job is refused
 * 503 ({@code starting} or {@code draining}, with {@code Retry-After}); each job taken is counted until
 * answered, so a stop can let it finish.
 */
public final class GatedRoute implements JobRoute {

    private final NodeLifecycle lifecycle;
    private final JobRoute route;

    public GatedRoute(NodeLifecycle lifecycle, JobRoute route) {
        this.lifecycle = requireNonNull(lifecycle, "lifecycle is null");
        this.route = requireNonNull(route, "route is null");
    }

    @Override
    public Outcome run(Job job, Optional<String> pinnedNode) {
        Optional<Outcome.Failed> refused = lifecycle.admit();
        if (refused.isPresent()) {
            return refused.get();
        }
        try {
            return route.run(job, pinnedNode);
        } finally {
            lifecycle.done();
        }
    }

    /** While the node starts nothing is known yet, and a job must hear {@code starting}, not 404. */
    @Override
    public boolean knows(Capability capability) {
        return lifecycle.phase() == NodeLifecycle.Phase.STARTING || route.knows(capability);
    }

    @Override
    public long maxInputBytes(Capability capability, Optional<String> provider) {
        return route.maxInputBytes(capability, provider);
    }

    @Override
    public int parallelism(Capability capability, Optional<String> provider) {
        return route.parallelism(capability, provider);
    }

    @Override
    public Set<String> knownCapabilities() {
        return route.knownCapabilities();
    }
}
