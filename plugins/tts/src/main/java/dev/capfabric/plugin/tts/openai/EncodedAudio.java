package dev.capfabric.plugin.tts.openai;

import dev.capfabric.plugin.tts.speech.OutputFormat;

import java.nio.charset.StandardCharsets;

/**
 * Recognises compressed audio by its first bytes, so that a server answering "200 OK" with something
 * else (an HTML page from a proxy, a JSON error) is not passed on as speech.
 */
final class EncodedAudio {

    private EncodedAudio() {
    }

    /** Whether {@code bytes} start like audio in {@code format}; WAV is checked by parsing it instead. */
    static boolean looksLike(OutputFormat format, byte[] bytes) {
        if (bytes.length < 4) {
            return false;
        }
        int b0 = bytes[0] & 0xff;
        int b1 = bytes[1] & 0xff;
        return switch (format) {
            case MP3 -> startsWith(bytes, "ID3") || (b0 == 0xff && (b1 & 0xe0) == 0xe0);
            case OPUS -> startsWith(bytes, "OggS");
            case FLAC -> startsWith(bytes, "fLaC");
            case AAC -> (b0 == 0xff && (b1 & 0xf6) == 0xf0) || startsWith(bytes, "ADIF")
                    || (bytes.length >= 8 && new String(bytes, 4, 4, StandardCharsets.US_ASCII).equals("ftyp"));
            case WAV -> startsWith(bytes, "RIFF");
        };
    }

    private static boolean startsWith(byte[] bytes, String magic) {
        byte[] expected = magic.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length < expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (bytes[i] != expected[i]) {
                return false;
            }
        }
        return true;
    }
}
