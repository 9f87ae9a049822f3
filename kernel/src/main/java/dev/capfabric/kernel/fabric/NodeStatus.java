package dev.capfabric.kernel.fabric;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** Where a node stands in this node's registry. */
public enum NodeStatus {
    /** Heard within three of its heartbeat intervals: jobs may be routed to it. */
    OK,
    /** Silent for longer than three intervals: not routed to, but still listed. */
    STALE,
    /** Said bye, or silent for twelve intervals: out of routing. */
    GONE,
    /** Configured as expected, never heard. */
    UNKNOWN,
    /** Alive but finishing its jobs: takes no new ones. */
    DRAINING;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
