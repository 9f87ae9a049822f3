package dev.capfabric.plugin.tts.speech;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * What one provider accepts in a tts job: how much text, which voices, which speeds, which formats.
 * {@link SpeechRequest#from} checks a job against these and refuses anything outside them.
 *
 * @param provider     the provider id, for messages
 * @param maxTextChars the longest text taken, in characters (Unicode code points)
 * @param voices       the voices the provider has; empty when it cannot tell, and then any name is passed on
 * @param defaultVoice the voice used when a job names none; one of {@code voices} when those are known
 * @param minSpeed     the slowest speaking rate, relative to the voice's normal rate of 1.0
 * @param maxSpeed     the fastest speaking rate
 * @param formats      the output formats it produces
 */
public record SpeechRules(String provider, int maxTextChars, List<Voice> voices, Optional<String> defaultVoice,
                          double minSpeed, double maxSpeed, Set<OutputFormat> formats) {

    public SpeechRules {
        requireNonNull(provider, "provider is null");
        voices = List.copyOf(requireNonNull(voices, "voices is null"));
        requireNonNull(defaultVoice, "defaultVoice is null");
        formats = Set.copyOf(requireNonNull(formats, "formats is null"));
        if (maxTextChars <= 0) {
            throw new IllegalArgumentException("maxTextChars must be positive: " + maxTextChars);
        }
        if (!(minSpeed > 0 && minSpeed <= 1 && maxSpeed >= 1)) {
            throw new IllegalArgumentException("speed range must include 1.0 and stay positive: " + minSpeed + ".." + maxSpeed);
        }
        if (!formats.contains(OutputFormat.WAV)) {
            throw new IllegalArgumentException("every provider produces wav");
        }
        if (!voices.isEmpty() && defaultVoice.isPresent() && find(voices, defaultVoice.get()).isEmpty()) {
            throw new IllegalArgumentException("default voice '" + defaultVoice.get() + "' is not among " + names(voices));
        }
    }

    /** The voice with this name, ignoring case. */
    public Optional<Voice> voice(String name) {
        return find(voices, name);
    }

    /** The voice names, in the engine's order. */
    public List<String> voiceNames() {
        return names(voices);
    }

    /** The distinct languages of the voices, in the engine's order. */
    public List<String> languages() {
        return voices.stream().flatMap(v -> v.language().stream()).distinct().toList();
    }

    /** The format names, in declaration order. */
    public List<String> formatNames() {
        return formats.stream().sorted().map(OutputFormat::wireName).toList();
    }

    /** The media types of the formats, in declaration order. */
    public List<String> mediaTypes() {
        return formats.stream().sorted().map(OutputFormat::mediaType).distinct().toList();
    }

    /** The largest request body that can hold the longest text: 4 UTF-8 bytes per character plus JSON around it. */
    public long maxInputBytes() {
        return 4L * maxTextChars + 16 * 1024;
    }

    String speedRange() {
        return String.format(Locale.ROOT, "%.2f..%.2f", minSpeed, maxSpeed);
    }

    private static Optional<Voice> find(List<Voice> voices, String name) {
        String wanted = name.strip();
        return voices.stream().filter(v -> v.name().equalsIgnoreCase(wanted)).findFirst();
    }

    private static List<String> names(List<Voice> voices) {
        return voices.stream().map(Voice::name).toList();
    }
}
