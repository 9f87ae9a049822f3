package dev.capfabric.plugin.stt.audio;

import java.nio.charset.StandardCharsets;

/** Names what some bytes look like, so that a refusal tells the caller what it actually sent. */
final class AudioSniffer {

    private AudioSniffer() {
    }

    static String describe(byte[] bytes) {
        if (bytes.length == 0) {
            return "the input is empty";
        }
        if (bytes.length < 12) {
            return "only " + bytes.length + " bytes, too short for a RIFF/WAVE header";
        }
        String head = new String(bytes, 0, 4, StandardCharsets.ISO_8859_1);
        String looksLike = switch (head) {
            case "RIFF" -> "a RIFF file of form '" + new String(bytes, 8, 4, StandardCharsets.ISO_8859_1) + "', not WAVE";
            case "RIFX" -> "a big-endian RIFX file, which is not supported";
            case "RF64" -> "an RF64 file, which is not supported";
            case "OggS" -> "Ogg audio";
            case "fLaC" -> "FLAC audio";
            case "FORM" -> "an AIFF file";
            default -> null;
        };
        boolean mpegFrameSync = (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xe0) == 0xe0;
        if (looksLike == null && (head.startsWith("ID3") || mpegFrameSync)) {
            looksLike = "MPEG audio (MP3)";
        }
        if (looksLike == null && (head.startsWith("{") || head.startsWith("["))) {
            looksLike = "JSON";
        }
        return looksLike != null
                ? "it looks like " + looksLike + "; send audio/wav"
                : "no RIFF/WAVE header; send audio/wav";
    }
}
