package dev.capfabric.plugin.tts.audio;

/** The bytes are not a WAV file this plugin can read, and the message says what is wrong. */
public final class InvalidWavException extends Exception {

    public InvalidWavException(String message) {
        super(message);
    }
}
