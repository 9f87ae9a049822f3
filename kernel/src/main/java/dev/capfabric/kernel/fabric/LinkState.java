package dev.capfabric.kernel.fabric;

/**
 * This node's NATS link as {@code /v1/nodes} and {@code /v1/capabilities} show it, so a reader can tell
 * fresh data from what was last heard before an outage.
 *
 * @param state  {@code up}, {@code down} (the statuses and loads listed are as last heard, and age), or
 *               {@code none} (no NATS configured: this node runs alone)
 * @param sinceS seconds since the link last came up or dropped; null when there is no link
 */
public record LinkState(String state, Double sinceS) {

    /** A node without NATS. */
    public static final LinkState NONE = new LinkState("none", null);
}
