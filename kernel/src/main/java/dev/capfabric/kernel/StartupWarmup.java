package dev.capfabric.kernel;

import dev.capfabric.kernel.http.GlobalMappers;
import dev.capfabric.kernel.http.Json;
import io.helidon.common.Size;
import io.helidon.webserver.http.HttpRouting;

/**
 * First-use costs that would otherwise sit on the path from process start to the first answered
 * {@code /caps}, paid on a virtual thread beside the main thread instead (the node runs on machines
 * with two cores or more, and the main thread spends the first part of its start reading logging
 * set-up and settings, which these do not need).
 *
 * <p>Measured with a sampling thread on the main thread (docs/BENCHMARKS.md, P5), in the order the main
 * thread would meet them: Helidon's HTTP/1 configuration parses its default size limits with
 * {@link Size#parse}, whose first {@code new BigDecimal(String)} on JDK 25 costs 15–200 ms of big-integer
 * squaring in class initialisation; Jackson's first {@code ObjectMapper} ({@link Json}, met through the
 * CORS set-up) initialises its date formats, time zones and locale data; and the first
 * {@link HttpRouting#builder()} builds Helidon's global service registry (reading every module's service
 * descriptors) for its parameter mappers. Each is a class initialisation or an idempotent build, so racing
 * the main thread to it is harmless: the JVM makes whoever comes second wait for the one initialisation
 * rather than repeat it. Helidon's global mapper manager is pinned once the node already answers.
 */
final class StartupWarmup {

    private StartupWarmup() {
    }

    /** Starts paying, beside the caller, the first-use costs the HTTP server's configuration meets. */
    static void beforeServer() {
        Thread.ofVirtual().name("capfabric-warmup").start(() -> {
            Size.parse("64 KB");
            Json.MAPPER.getTypeFactory();
            HttpRouting.builder();
        });
    }

    /** Pins Helidon's global mapper manager (see {@link GlobalMappers}) once the node already answers. */
    static void afterServing() {
        Thread.ofVirtual().name("capfabric-mappers").start(GlobalMappers::pin);
    }
}
