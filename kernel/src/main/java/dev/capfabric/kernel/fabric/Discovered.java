package dev.capfabric.kernel.fabric;

import java.time.Duration;

/**
 * How one discovery went.
 *
 * @param answered nodes that answered
 * @param complete whether every awaited node answered before the window closed
 * @param took     how long the gather took
 */
public record Discovered(int answered, boolean complete, Duration took) {
}
