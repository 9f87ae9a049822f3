package dev.capfabric.plugin.tts.openai;

import java.time.Instant;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * What the last look at the speech server found: whether it answered, and the models and voices it lists.
 *
 * @param at     when the probe ran
 * @param up     whether the server answered its model list
 * @param detail why not, when it did not
 * @param models the model ids it lists
 * @param voices the voice names it lists; empty when it has no voice list (OpenAI, LocalAI)
 */
record BackendProbe(Instant at, boolean up, String detail, List<String> models, List<String> voices) {

    BackendProbe {
        requireNonNull(at, "at is null");
        requireNonNull(detail, "detail is null");
        models = List.copyOf(models);
        voices = List.copyOf(voices);
    }

    static BackendProbe up(List<String> models, List<String> voices) {
        return new BackendProbe(Instant.now(), true, "answering", models, voices);
    }

    static BackendProbe down(String reason) {
        return new BackendProbe(Instant.now(), false, reason, List.of(), List.of());
    }

    /** Before the first probe. */
    static BackendProbe notYet() {
        return new BackendProbe(Instant.EPOCH, false, "not probed yet", List.of(), List.of());
    }
}
