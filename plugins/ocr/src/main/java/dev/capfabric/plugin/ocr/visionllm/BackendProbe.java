package dev.capfabric.plugin.ocr.visionllm;

import java.time.Instant;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * What the last health probe of the backend found.
 *
 * @param usable whether the backend answered and serves the configured model
 * @param models the models it listed; empty when it did not answer
 * @param detail what was found, or why it is not usable
 * @param at     when the probe ran
 */
record BackendProbe(boolean usable, List<String> models, String detail, Instant at) {

    BackendProbe {
        models = List.copyOf(requireNonNull(models, "models is null"));
        requireNonNull(detail, "detail is null");
        requireNonNull(at, "at is null");
    }

    static BackendProbe notYet() {
        return new BackendProbe(false, List.of(), "not probed yet", Instant.now());
    }
}
