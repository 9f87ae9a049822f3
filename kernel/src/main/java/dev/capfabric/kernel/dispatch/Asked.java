package dev.capfabric.kernel.dispatch;

import dev.capfabric.spi.Job;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * What a job asks of whoever serves it: a model, a language, a voice (the job parameters of those
 * names). A provider or node offers an ask when each of its lists that the job asks about holds the
 * value; an empty list offers any. Languages match as BCP 47 tags do: regardless of case and of
 * {@code _} for {@code -}, and a bare language ({@code en}) matches any region of it ({@code en-US}).
 * Voices match regardless of case.
 *
 * @param model    the model asked for, if any
 * @param language the language asked for, if any
 * @param voice    the voice asked for, if any
 */
public record Asked(Optional<String> model, Optional<String> language, Optional<String> voice) {

    public Asked {
        requireNonNull(model, "model is null");
        requireNonNull(language, "language is null");
        requireNonNull(voice, "voice is null");
    }

    public static Asked of(Job job) {
        return new Asked(job.parameter("model"), job.parameter("language"), job.parameter("voice"));
    }

    /** Whether the job asks for anything in particular. */
    public boolean any() {
        return model.isPresent() || language.isPresent() || voice.isPresent();
    }

    /** Why these offers do not fit the ask, for a person; empty when they fit. */
    public Optional<String> mismatch(List<String> models, List<String> languages, List<String> voices) {
        if (model.isPresent() && !models.isEmpty() && !models.contains(model.get())) {
            return Optional.of("does not offer model '" + model.get() + "' (offers " + models + ")");
        }
        if (language.isPresent() && !languages.isEmpty() && languages.stream().noneMatch(l -> sameLanguage(language.get(), l))) {
            return Optional.of("does not offer language '" + language.get() + "' (offers " + abbreviated(languages) + ")");
        }
        if (voice.isPresent() && !voices.isEmpty() && voices.stream().noneMatch(v -> v.equalsIgnoreCase(voice.get().strip()))) {
            return Optional.of("does not offer voice '" + voice.get() + "' (offers " + abbreviated(voices) + ")");
        }
        return Optional.empty();
    }

    /** Whether these offers fit the ask. */
    public boolean fits(List<String> models, List<String> languages, List<String> voices) {
        return mismatch(models, languages, voices).isEmpty();
    }

    /** The ask as error details: {@code model}, {@code language}, {@code voice} where given. */
    public Map<String, Object> details() {
        Map<String, Object> details = new LinkedHashMap<>();
        model.ifPresent(m -> details.put("model", m));
        language.ifPresent(l -> details.put("language", l));
        voice.ifPresent(v -> details.put("voice", v));
        return details;
    }

    /** The ask for a message, such as {@code " (model huge) (language xx)"}; empty when nothing is asked. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        model.ifPresent(m -> text.append(" (model ").append(m).append(')'));
        language.ifPresent(l -> text.append(" (language ").append(l).append(')'));
        voice.ifPresent(v -> text.append(" (voice ").append(v).append(')'));
        return text.toString();
    }

    static boolean sameLanguage(String asked, String offered) {
        String a = normal(asked);
        String o = normal(offered);
        return a.equals(o) || (a.indexOf('-') < 0 && o.startsWith(a + "-"));
    }

    private static String normal(String tag) {
        return tag.strip().replace('_', '-').toLowerCase(Locale.ROOT);
    }

    // espeak-ng offers well over a hundred languages: an error message names a few
    private static String abbreviated(List<String> values) {
        return values.size() <= 12 ? values.toString()
                : values.subList(0, 12).toString().replace("]", ", … " + (values.size() - 12) + " more]");
    }
}
