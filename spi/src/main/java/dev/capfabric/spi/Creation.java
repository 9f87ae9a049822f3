package dev.capfabric.spi;

import static java.util.Objects.requireNonNull;

/**
 * What {@link ProviderFactory#create} returns: a usable provider, or the reason there is none on
 * this node. A factory that cannot run here says why rather than throwing or pretending.
 */
public sealed interface Creation {

    /** A provider that is ready for jobs. */
    record Ready(CapabilityProvider provider) implements Creation {
        public Ready {
            requireNonNull(provider, "provider is null");
        }
    }

    /** No provider on this node, and why (engine not installed, model missing, backend unreachable). */
    record Unusable(String reason) implements Creation {
        public Unusable {
            requireNonNull(reason, "reason is null");
        }
    }

    static Creation ready(CapabilityProvider provider) {
        return new Ready(provider);
    }

    static Creation unusable(String reason) {
        return new Unusable(reason);
    }
}
