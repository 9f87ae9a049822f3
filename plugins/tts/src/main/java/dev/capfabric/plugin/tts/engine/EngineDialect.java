package dev.capfabric.plugin.tts.engine;

import dev.capfabric.plugin.tts.speech.SpeechRequest;

import java.nio.file.Path;
import java.util.List;

/**
 * How to ask one command-line engine to speak a text file into a WAV file: the only part that differs
 * between flite and espeak-ng once their voices are known.
 */
interface EngineDialect {

    /** The provider id, such as {@code flite}. */
    String id();

    /**
     * The command that speaks {@code textFile} (UTF-8) with the request's voice and speed into {@code wavFile}.
     * The text never appears on the command line, so it cannot be taken for an option.
     */
    List<String> speakCommand(Path binary, SpeechRequest request, Path textFile, Path wavFile);
}
