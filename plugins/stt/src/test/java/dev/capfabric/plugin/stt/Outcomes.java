package dev.capfabric.plugin.stt;

import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.Result;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

/** Unwraps creations and results in tests. */
public final class Outcomes {

    private Outcomes() {
    }

    public static CapabilityProvider ready(Creation creation) {
        if (creation instanceof Creation.Unusable(String reason)) {
            fail("provider unusable: " + reason);
        }
        return assertInstanceOf(Creation.Ready.class, creation).provider();
    }

    public static String unusableReason(Creation creation) {
        if (creation instanceof Creation.Ready(CapabilityProvider provider)) {
            provider.close();
            fail("provider unexpectedly ready");
        }
        return assertInstanceOf(Creation.Unusable.class, creation).reason();
    }

    public static String text(Result result) {
        return (String) result.metadata().get("text");
    }
}
