package dev.capfabric.kernel.http;

import io.helidon.common.mapper.MapperManager;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps Helidon's global mapper manager to one instance for the whole process.
 *
 * <p>Helidon 4.4.0 builds a new mapper manager, with a walk through its service registry, on every
 * {@link MapperManager#global()} call (helidon-io/helidon#11383, fixed after 4.4.0), and its HTTP/1
 * connection makes that call for every request with a body. Measured here, that walk was about 40%
 * of the kernel's CPU time per small job (docs/BENCHMARKS.md, Dispatch). Pinning the first instance
 * makes the call a field read. Where Helidon already returns one shared instance this does nothing.
 */
public final class GlobalMappers {

    private static final String HELIDON_LOGGER = "io.helidon.common.mapper.GlobalManager";

    private GlobalMappers() {
    }

    /** Pins the global mapper manager if Helidon would build a new one per call; safe to call again. */
    public static void pin() {
        synchronized (GlobalMappers.class) {
            MapperManager first = MapperManager.global();
            if (first == MapperManager.global()) {
                return;
            }
            // Helidon also tries to register the instance in its service registry, which refuses once
            // config has used mappers, and warns with a stack trace; the pin itself holds regardless
            Logger helidon = Logger.getLogger(HELIDON_LOGGER);
            Level before = helidon.getLevel();
            helidon.setLevel(Level.SEVERE);
            try {
                MapperManager.global(first);
            } finally {
                helidon.setLevel(before);
            }
        }
    }
}
