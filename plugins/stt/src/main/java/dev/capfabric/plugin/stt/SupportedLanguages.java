package dev.capfabric.plugin.stt;

import dev.capfabric.spi.CapabilityException;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * The languages an engine has, and the check of a job's {@code language} parameter against them.
 * A request matches a language when their primary subtags agree ({@code en}, {@code en-GB} and
 * {@code en-US} all match an {@code en-us} model): the acoustic model recognises the language,
 * not the accent.
 */
public final class SupportedLanguages {

    private static final Pattern TAG = Pattern.compile("[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*");

    private final String engine;
    private final List<String> tags;

    /**
     * @param engine what to call the engine in refusals
     * @param tags   the engine's languages as BCP 47 tags, such as {@code en-us}; the first is the default
     */
    public SupportedLanguages(String engine, List<String> tags) {
        this.engine = requireNonNull(engine, "engine is null");
        this.tags = List.copyOf(tags);
        if (this.tags.isEmpty()) {
            throw new IllegalArgumentException("an engine has at least one language");
        }
    }

    /** The tags to advertise: each language and its primary subtag ({@code en-us}, {@code en}). */
    public List<String> advertised() {
        Set<String> out = new LinkedHashSet<>();
        for (String tag : tags) {
            out.add(tag);
            out.add(primary(tag));
        }
        return new ArrayList<>(out);
    }

    /**
     * The engine language to use for a request.
     *
     * @throws CapabilityException {@code BAD_INPUT} when the parameter is not a language tag,
     *                             {@code UNPROCESSABLE} when the engine does not have the language
     */
    public String resolve(Optional<String> requested) throws CapabilityException {
        if (requested.isEmpty()) {
            return tags.getFirst();
        }
        String value = requested.get().strip();
        if (!TAG.matcher(value).matches()) {
            throw CapabilityException.badInput("language '" + value + "' is not a language tag such as 'en' or 'en-US'");
        }
        String wanted = primary(value);
        return tags.stream().filter(tag -> primary(tag).equals(wanted)).findFirst()
                .orElseThrow(() -> CapabilityException.unprocessable(
                        "language '" + value + "' is not available from " + engine + " (it has " + tags + ")"));
    }

    /** The primary subtag of a tag, lowercased: {@code en-US} gives {@code en}. */
    public static String primary(String tag) {
        String lower = tag.toLowerCase(Locale.ROOT).replace('_', '-');
        int dash = lower.indexOf('-');
        return dash < 0 ? lower : lower.substring(0, dash);
    }

    /** Whether {@code value} has the shape of a language tag. */
    public static boolean isTag(String value) {
        return value != null && TAG.matcher(value.strip()).matches();
    }
}
