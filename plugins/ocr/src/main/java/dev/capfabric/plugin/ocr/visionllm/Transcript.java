package dev.capfabric.plugin.ocr.visionllm;

/** Turns a language model's answer into plain transcribed text. */
final class Transcript {

    private static final String FENCE = "```";

    private Transcript() {
    }

    /**
     * Strips surrounding whitespace and, when the whole answer is one Markdown code block (which
     * chat models often produce despite the prompt), the fence lines around it.
     */
    static String clean(String answer) {
        String text = answer.strip();
        if (text.startsWith(FENCE) && text.endsWith(FENCE) && text.length() >= 2 * FENCE.length()) {
            int firstLineEnd = text.indexOf('\n');
            if (firstLineEnd < 0) {
                return text.substring(FENCE.length(), text.length() - FENCE.length()).strip();
            }
            return text.substring(firstLineEnd + 1, text.length() - FENCE.length()).strip();
        }
        return text;
    }
}
