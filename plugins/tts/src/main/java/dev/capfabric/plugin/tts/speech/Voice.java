package dev.capfabric.plugin.tts.speech;

import java.util.Locale;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A voice a provider can speak with, as its engine names it, and the language it speaks when the
 * engine says so.
 *
 * @param name     the engine's name for it, passed back to the engine as is
 * @param language a BCP 47 tag or the engine's own language code; empty when the engine does not tell
 */
public record Voice(String name, Optional<String> language) {

    public Voice {
        requireNonNull(name, "name is null");
        requireNonNull(language, "language is null");
        if (name.isBlank()) {
            throw new IllegalArgumentException("voice name is blank");
        }
    }

    public static Voice of(String name, String language) {
        return new Voice(name, Optional.of(language));
    }

    public static Voice withoutLanguage(String name) {
        return new Voice(name, Optional.empty());
    }

    /** How well this voice's language matches a requested tag: exactly, by primary subtag only, or not. */
    LanguageMatch match(String requested) {
        if (language.isEmpty()) {
            return LanguageMatch.UNKNOWN;
        }
        String have = normalise(language.get());
        String want = normalise(requested);
        if (have.equals(want)) {
            return LanguageMatch.EXACT;
        }
        return primary(have).equals(primary(want)) ? LanguageMatch.PRIMARY : LanguageMatch.NONE;
    }

    private static String normalise(String tag) {
        return tag.strip().replace('_', '-').toLowerCase(Locale.ROOT);
    }

    private static String primary(String tag) {
        int dash = tag.indexOf('-');
        return dash < 0 ? tag : tag.substring(0, dash);
    }

    /** The outcome of {@link #match}. */
    enum LanguageMatch { EXACT, PRIMARY, UNKNOWN, NONE }
}
