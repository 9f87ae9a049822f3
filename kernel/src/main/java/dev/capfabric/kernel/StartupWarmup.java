package dev.capfabric.kernel;

import dev.capfabric.kernel.http.GlobalMappers;
import io.helidon.common.Size;

/**
 * First-use costs that would otherwise sit on the path from process start to the first answered
 * {@code /caps}, paid on a virtual thread beside the main thread instead (the node runs on machines
 * with two cores or more, and the main thread spends most of its start reading files).
 *
 * <p>Measured with a sampling thread on the main thread (docs/BENCHMARKS.md, P5): Helidon's HTTP/1
 * configuration parses its default size limits with {@link Size#parse}, whose first {@code new
 * BigDecimal(String)} on JDK 25 costs 15–200 ms of big-integer squaring in class initialisation; and
 * Helidon's global mapper manager walks the service registry on first use. Neither needs to happen
 * before the server listens. Both are idempotent, so racing the main thread to them is harmless: whoever
 * comes second finds the work done.
 */
final class StartupWarmup {

    private StartupWarmup() {
    }

    /** Starts paying, beside the caller, the first-use costs the HTTP server's configuration meets. */
    static void beforeServer() {
        Thread.ofVirtual().name("capfabric-warmup").start(() -> Size.parse("64 KB"));
    }

    /** Pins Helidon's global mapper manager (see {@link GlobalMappers}) once the node already answers. */
    static void afterServing() {
        Thread.ofVirtual().name("capfabric-mappers").start(GlobalMappers::pin);
    }
}
