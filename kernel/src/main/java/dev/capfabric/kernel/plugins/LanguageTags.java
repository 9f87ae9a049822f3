package dev.capfabric.kernel.plugins;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Language tags as BCP 47 writes them (RFC 5646, 2.1.1): the language lowercase, a region
 * uppercase, a script in title case, the rest lowercase, {@code -} between subtags. Engines report
 * {@code en-us}, {@code en_US} or {@code EN}; shown once each, they read as one tag.
 */
public final class LanguageTags {

    private LanguageTags() {
    }

    /** {@code tag} in BCP 47's case, {@code _} read as {@code -}. */
    public static String normalise(String tag) {
        String[] subtags = tag.strip().replace('_', '-').split("-", -1);
        StringBuilder out = new StringBuilder(tag.length());
        boolean privateOrExtension = false;
        for (int i = 0; i < subtags.length; i++) {
            String subtag = subtags[i].toLowerCase(Locale.ROOT);
            if (i > 0) {
                out.append('-');
                if (!privateOrExtension && subtag.length() == 1) {
                    privateOrExtension = true; // after a singleton (x-..., u-...) everything stays lowercase
                } else if (!privateOrExtension && subtag.length() == 2 && Character.isLetter(subtag.charAt(0))) {
                    subtag = subtag.toUpperCase(Locale.ROOT);
                } else if (!privateOrExtension && subtag.length() == 4 && Character.isLetter(subtag.charAt(0))) {
                    subtag = Character.toUpperCase(subtag.charAt(0)) + subtag.substring(1);
                }
            }
            out.append(subtag);
        }
        return out.toString();
    }

    /** Every tag normalised, each once, in first-seen order. */
    public static List<String> normaliseAll(List<String> tags) {
        Set<String> seen = new LinkedHashSet<>();
        tags.forEach(tag -> {
            if (!tag.isBlank()) {
                seen.add(normalise(tag));
            }
        });
        return List.copyOf(seen);
    }
}
