package dev.capfabric.bench.speech;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Word errors of a hypothesis against a reference: the minimum number of word substitutions,
 * deletions and insertions (Levenshtein distance over words), after both are normalised (lowercase,
 * punctuation other than apostrophes dropped). WER = errors / reference words.
 *
 * @param errors         substitutions + deletions + insertions
 * @param referenceWords words in the reference
 */
record WordErrors(int errors, int referenceWords) {

    static WordErrors of(String reference, String hypothesis) {
        List<String> ref = words(reference);
        List<String> hyp = words(hypothesis);
        int[] previous = new int[hyp.size() + 1];
        int[] current = new int[hyp.size() + 1];
        Arrays.setAll(previous, j -> j);
        for (int i = 1; i <= ref.size(); i++) {
            current[0] = i;
            for (int j = 1; j <= hyp.size(); j++) {
                int substitution = previous[j - 1] + (ref.get(i - 1).equals(hyp.get(j - 1)) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return new WordErrors(previous[hyp.size()], ref.size());
    }

    static List<String> words(String text) {
        String normal = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9' ]", " ").strip();
        return normal.isEmpty() ? List.of() : List.of(normal.split("\\s+"));
    }

    WordErrors plus(WordErrors other) {
        return new WordErrors(errors + other.errors, referenceWords + other.referenceWords);
    }

    double rate() {
        return referenceWords == 0 ? 0 : (double) errors / referenceWords;
    }
}
