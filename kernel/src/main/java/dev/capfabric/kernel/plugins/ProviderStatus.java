package dev.capfabric.kernel.plugins;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** Whether a provider takes jobs on this node. */
public enum ProviderStatus {
    /** Created and healthy: it serves its capability. */
    USABLE,
    /** Present but cannot serve: engine missing, backend down, duplicate id, factory failed. */
    UNAVAILABLE,
    /** Switched off by configuration. */
    DISABLED;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
