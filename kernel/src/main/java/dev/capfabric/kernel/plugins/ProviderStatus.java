package dev.capfabric.kernel.plugins;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** Whether a provider takes jobs on this node. */
public enum ProviderStatus {
    /** Created and healthy: it serves its capability. */
    USABLE,
    /**
     * Serving, but some of its jobs never returned after their deadline: their threads were written off
     * and replaced. It becomes {@link #UNAVAILABLE} when more are stuck than it can run at once.
     */
    DEGRADED,
    /** Present but cannot serve: engine missing, backend down, duplicate id, factory failed. */
    UNAVAILABLE,
    /** Switched off by configuration. */
    DISABLED;

    /** Whether a provider in this state takes jobs. */
    public boolean serves() {
        return this == USABLE || this == DEGRADED;
    }

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
