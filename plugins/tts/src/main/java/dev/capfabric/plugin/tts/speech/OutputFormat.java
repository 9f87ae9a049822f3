package dev.capfabric.plugin.tts.speech;

import java.util.Locale;
import java.util.Optional;

/**
 * The audio formats a tts job may ask for with {@code "format"}, named as in the OpenAI speech API.
 * {@link #WAV} is the default and the only one every provider produces; the others are what a remote
 * backend encodes itself and are passed through.
 */
public enum OutputFormat {
    /** 16-bit PCM WAV. */
    WAV("wav", "audio/wav"),
    /** MPEG-1 layer III. */
    MP3("mp3", "audio/mpeg"),
    /** Opus in an Ogg container. */
    OPUS("opus", "audio/ogg"),
    /** AAC in ADTS framing. */
    AAC("aac", "audio/aac"),
    /** FLAC. */
    FLAC("flac", "audio/flac");

    private final String wireName;
    private final String mediaType;

    OutputFormat(String wireName, String mediaType) {
        this.wireName = wireName;
        this.mediaType = mediaType;
    }

    /** The name a request uses, such as {@code wav}. */
    public String wireName() {
        return wireName;
    }

    /** The media type of results in this format. */
    public String mediaType() {
        return mediaType;
    }

    /** The format with this name, ignoring case and surrounding blanks. */
    public static Optional<OutputFormat> byName(String name) {
        String wanted = name.strip().toLowerCase(Locale.ROOT);
        for (OutputFormat format : values()) {
            if (format.wireName.equals(wanted)) {
                return Optional.of(format);
            }
        }
        return Optional.empty();
    }
}
