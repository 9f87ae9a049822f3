package dev.capfabric.spi;

import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * The name of a capability, such as {@code stt} or {@code ocr}.
 *
 * <p>The set is open: a plugin may introduce a capability of its own. A name is a single
 * lowercase token matching {@code [a-z][a-z0-9-]{0,31}}, so it can be used as one NATS subject
 * token and one URL path segment without escaping. Construction rejects anything else.
 *
 * @param name the validated name
 */
public record Capability(String name) implements Comparable<Capability> {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,31}");

    /** Speech to text: audio in, recognised text out. */
    public static final Capability STT = new Capability("stt");
    /** Text to speech: text in, audio out. */
    public static final Capability TTS = new Capability("tts");
    /** Optical character recognition: image in, text out. */
    public static final Capability OCR = new Capability("ocr");
    /** Image generation: prompt in, image out. */
    public static final Capability IMAGE = new Capability("image");

    /**
     * @throws IllegalArgumentException if {@code name} is not a valid capability name
     */
    public Capability {
        requireNonNull(name, "name is null");
        if (!isValid(name)) {
            throw new IllegalArgumentException(
                    "invalid capability name '" + name + "': expected one token matching " + NAME.pattern());
        }
    }

    /** Returns the capability with the given name; same as the constructor. */
    public static Capability of(String name) {
        return new Capability(name);
    }

    /** Tells whether {@code name} is a valid capability name, without throwing. */
    public static boolean isValid(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    @Override
    public int compareTo(Capability other) {
        return name.compareTo(other.name);
    }

    @Override
    public String toString() {
        return name;
    }
}
