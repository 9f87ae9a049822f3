package dev.capfabric.plugin.tts.speech;

import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * A tts job, checked against a provider's {@link SpeechRules}: text within bounds, a voice the
 * provider has, a speed it can do, a format it produces.
 *
 * <p>Job parameters read: {@code text} (required; or a {@code text/plain} body), {@code voice},
 * {@code language} (picks a voice that speaks it when no voice is named), {@code speed} (1.0 is the
 * voice's normal rate) and {@code format} (alias {@code response_format}; default {@code wav}).
 *
 * @param text   the text to speak, with control characters other than line breaks and tabs replaced by spaces
 * @param voice  the voice to speak with; empty only when the provider knows no voices and none is configured
 * @param speed  the speaking rate relative to the voice's normal rate
 * @param format the output format
 */
public record SpeechRequest(String text, Optional<String> voice, double speed, OutputFormat format) {

    private static final Pattern CONTROL = Pattern.compile("[\\p{Cntrl}&&[^\\n\\r\\t]]");

    public SpeechRequest {
        requireNonNull(text, "text is null");
        requireNonNull(voice, "voice is null");
        requireNonNull(format, "format is null");
    }

    /**
     * Reads and checks a job's parameters.
     *
     * @throws CapabilityException BAD_INPUT for missing text and malformed or out-of-range speed;
     *                             TOO_LARGE for text over the provider's limit; UNPROCESSABLE for a
     *                             voice, language or format this provider lacks
     */
    public static SpeechRequest from(Job job, SpeechRules rules) throws CapabilityException {
        String text = text(job, rules);
        double speed = speed(job, rules);
        OutputFormat format = format(job, rules);
        Optional<String> voice = voice(job, rules);
        return new SpeechRequest(text, voice, speed, format);
    }

    private static String text(Job job, SpeechRules rules) throws CapabilityException {
        Optional<String> given = job.parameter("text");
        if (given.isEmpty() && job.input().baseType().equals("text/plain") && job.input().size() > 0) {
            if (job.input().size() > rules.maxInputBytes()) {
                throw tooLong(job.input().size() + " bytes", rules);
            }
            given = Optional.of(job.input().asText());
        }
        String text = given.filter(t -> !t.isBlank()).orElseThrow(() -> CapabilityException.badInput(
                "text is required: send {\"text\": \"...\"} as " + Payload.JSON + " or the text itself as text/plain"));
        int characters = text.codePointCount(0, text.length());
        if (characters > rules.maxTextChars()) {
            throw tooLong(characters + " characters", rules);
        }
        return CONTROL.matcher(text).replaceAll(" ");
    }

    private static CapabilityException tooLong(String size, SpeechRules rules) {
        return CapabilityException.tooLarge("text is " + size + "; " + rules.provider() + " takes at most "
                + rules.maxTextChars() + " characters per job (setting max-text-chars): split it into several jobs");
    }

    private static double speed(Job job, SpeechRules rules) throws CapabilityException {
        Optional<String> given = job.parameter("speed");
        if (given.isEmpty()) {
            return 1.0;
        }
        double speed;
        try {
            speed = Double.parseDouble(given.get().strip());
        } catch (NumberFormatException e) {
            throw CapabilityException.badInput("speed must be a number such as 1.0 (normal) or 1.5 (faster); got '"
                    + abbreviate(given.get()) + "'");
        }
        if (!(speed >= rules.minSpeed() && speed <= rules.maxSpeed())) {
            throw CapabilityException.badInput("speed " + abbreviate(given.get().strip()) + " is outside "
                    + rules.speedRange() + ", the range " + rules.provider() + " can speak at");
        }
        return speed;
    }

    private static OutputFormat format(Job job, SpeechRules rules) throws CapabilityException {
        Optional<String> given = job.parameter("format").or(() -> job.parameter("response_format"));
        if (given.isEmpty()) {
            return OutputFormat.WAV;
        }
        Optional<OutputFormat> format = OutputFormat.byName(given.get()).filter(rules.formats()::contains);
        return format.orElseThrow(() -> CapabilityException.unprocessable("format '" + abbreviate(given.get())
                + "' is not produced by " + rules.provider() + "; it produces: " + String.join(", ", rules.formatNames())));
    }

    private static Optional<String> voice(Job job, SpeechRules rules) throws CapabilityException {
        Optional<String> named = job.parameter("voice");
        Optional<String> language = job.parameter("language");
        if (rules.voices().isEmpty()) {
            return named.map(String::strip).or(rules::defaultVoice);
        }
        if (named.isPresent()) {
            Voice voice = rules.voice(named.get()).orElseThrow(() -> CapabilityException.unprocessable(
                    "voice '" + abbreviate(named.get()) + "' is not a " + rules.provider() + " voice; voices: "
                            + listed(rules.voiceNames())));
            if (language.isPresent() && voice.match(language.get()) == Voice.LanguageMatch.NONE) {
                throw CapabilityException.unprocessable("voice '" + voice.name() + "' speaks "
                        + voice.language().orElseThrow() + ", not '" + abbreviate(language.get()) + "'");
            }
            return Optional.of(voice.name());
        }
        if (language.isPresent()) {
            return Optional.of(voiceFor(language.get(), rules).name());
        }
        return rules.defaultVoice();
    }

    /** The default voice when it speaks the language, else the first that speaks it exactly, else by primary subtag. */
    private static Voice voiceFor(String language, SpeechRules rules) throws CapabilityException {
        Optional<Voice> fallback = rules.defaultVoice().flatMap(rules::voice);
        for (Voice.LanguageMatch wanted : List.of(Voice.LanguageMatch.EXACT, Voice.LanguageMatch.PRIMARY, Voice.LanguageMatch.UNKNOWN)) {
            if (fallback.isPresent() && fallback.get().match(language) == wanted) {
                return fallback.get();
            }
            for (Voice voice : rules.voices()) {
                if (voice.match(language) == wanted) {
                    return voice;
                }
            }
        }
        throw CapabilityException.unprocessable("no " + rules.provider() + " voice speaks '" + abbreviate(language)
                + "'; languages: " + listed(rules.languages()));
    }

    private static String listed(List<String> names) {
        return names.size() <= 40 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 40)) + " and " + (names.size() - 40) + " more";
    }

    /** Request values are echoed in messages; a long one is cut so the message stays readable. */
    private static String abbreviate(String value) {
        String oneLine = value.replaceAll("\\s+", " ");
        return oneLine.length() <= 40 ? oneLine : oneLine.substring(0, 40) + "...";
    }
}
