package dev.capfabric.bench.ocr;

/**
 * Character error rate: the Levenshtein distance between truth and recognised text over the
 * truth's length, after both have every run of whitespace (line breaks included) made one space.
 */
final class CharacterErrors {

    private CharacterErrors() {
    }

    static String normalise(String text) {
        return text.strip().replaceAll("\\s+", " ");
    }

    /** Edits (insertions, deletions, substitutions) turning {@code truth} into {@code recognised}, both normalised. */
    static int distance(String truth, String recognised) {
        String a = normalise(truth);
        String b = normalise(recognised);
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
