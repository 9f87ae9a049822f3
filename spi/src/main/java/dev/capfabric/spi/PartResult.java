package dev.capfabric.spi;

import static java.util.Objects.requireNonNull;

/**
 * The answer to one {@link JobPart}, as {@link CapabilityProvider#merge} receives it.
 *
 * <p>A result that came from another node crossed the wire as JSON: its metadata holds what JSON holds
 * ({@link String}, {@link Number} of any width, {@link Boolean}, {@link java.util.List}, {@link java.util.Map}),
 * not necessarily the types the provider put in.
 *
 * @param index  the part's place in the list {@link CapabilityProvider#split} returned, from 0
 * @param result what the part's provider returned
 * @param node   the id of the node that ran the part (after any retry elsewhere)
 */
public record PartResult(int index, Result result, String node) {

    public PartResult {
        if (index < 0) {
            throw new IllegalArgumentException("index must not be negative: " + index);
        }
        requireNonNull(result, "result is null");
        requireNonNull(node, "node is null");
    }
}
