package dev.capfabric.kernel.node;

import java.util.List;

/**
 * One capability of a node: which usable providers serve it and what they offer together.
 *
 * @param providers usable provider ids, preferred first
 * @param models    models offered by any of them
 * @param languages languages accepted by any of them
 * @param voices    voices offered by any of them
 * @param maxInputBytes the largest input any of them takes; 0 when unknown (a node that does not say)
 */
public record CapabilitySummary(List<String> providers, List<String> models, List<String> languages, List<String> voices,
                                long maxInputBytes) {

    public CapabilitySummary {
        providers = List.copyOf(providers);
        models = List.copyOf(models);
        languages = List.copyOf(languages);
        voices = List.copyOf(voices);
        maxInputBytes = Math.max(0, maxInputBytes);
    }

    /** A summary that does not say how large an input its providers take. */
    public CapabilitySummary(List<String> providers, List<String> models, List<String> languages, List<String> voices) {
        this(providers, models, languages, voices, 0);
    }
}
