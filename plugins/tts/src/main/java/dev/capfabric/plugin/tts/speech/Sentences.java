package dev.capfabric.plugin.tts.speech;

import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A text cut into sentences (the JDK's {@link BreakIterator} rules), for speaking and streaming a long
 * text piece by piece. Blank pieces are dropped; joined with single spaces the pieces hold every word.
 */
public final class Sentences {

    private Sentences() {
    }

    /** The sentences of {@code text}, stripped, in order; one piece when there is no sentence break. */
    public static List<String> of(String text, Locale locale) {
        BreakIterator breaks = BreakIterator.getSentenceInstance(locale);
        breaks.setText(text);
        List<String> sentences = new ArrayList<>();
        for (int start = breaks.first(), end = breaks.next(); end != BreakIterator.DONE; start = end, end = breaks.next()) {
            String sentence = text.substring(start, end).strip();
            if (!sentence.isEmpty()) {
                sentences.add(sentence);
            }
        }
        return sentences.isEmpty() ? List.of(text) : List.copyOf(sentences);
    }
}
