package dev.capfabric.kernel.node;

import java.util.List;

/**
 * One capability of a node: which usable providers serve it and what they offer together.
 *
 * @param providers usable provider ids, preferred first
 * @param models    models offered by any of them
 * @param languages languages accepted by any of them
 * @param voices    voices offered by any of them
 */
public record CapabilitySummary(List<String> providers, List<String> models, List<String> languages, List<String> voices) {

    public CapabilitySummary {
        providers = List.copyOf(providers);
        models = List.copyOf(models);
        languages = List.copyOf(languages);
        voices = List.copyOf(voices);
    }
}
