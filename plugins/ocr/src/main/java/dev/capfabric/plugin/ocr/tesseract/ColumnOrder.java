package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.plugin.ocr.job.Box;
import dev.capfabric.plugin.ocr.job.TextSpan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Puts a page Tesseract read straight across its columns back into column order: column one top to
 * bottom, then column two. Tesseract's own layout analysis keeps columns apart when it finds their
 * edges (long columns, several aligned lines); on a short page it can take a left and a right line at
 * the same height for one line, and its text then alternates between the columns.
 *
 * <p>A gutter is a band of the page no word touches, at least {@link #GUTTER_HEIGHTS} word heights
 * wide (wider than any space between words) with text lines on both sides. Only when some line
 * Tesseract made reaches across it is the page re-ordered; otherwise Tesseract's order stands. The
 * words are those Tesseract recognised: nothing is read again.
 */
final class ColumnOrder {

    /** A gutter is this many median word heights wide at least: about two and a half em. */
    private static final double GUTTER_HEIGHTS = 1.5;
    /** A gutter lies in the middle of the text, not within this fraction of either edge. */
    private static final double EDGE_FRACTION = 0.15;
    /** Fewer words than this are not worth ordering. */
    private static final int MIN_WORDS = 6;
    /** Text lines at least on each side of a gutter. */
    private static final int MIN_LINES_PER_SIDE = 2;
    /** Columns split at most this many times over (up to 8 columns). */
    private static final int MAX_DEPTH = 3;

    /**
     * A word as Tesseract read it, with its box, and the index of the text line it put it in.
     *
     * @param span the word
     * @param line the index of its text line in Tesseract's reading order
     */
    record Word(TextSpan span, int line) {

        Box box() {
            return span.box().orElseThrow();
        }
    }

    /** The page in column order, as {@link TesseractEngine} answers it. */
    record Columns(String text, List<TextSpan> lines, List<TextSpan> words, String markdown) {
    }

    private ColumnOrder() {
    }

    /**
     * The page in column order, or empty when it shows no gutter, or Tesseract kept to its columns.
     * Every word must carry a box.
     */
    static Optional<Columns> of(List<Word> words) {
        OptionalInt gutter = gutter(words);
        if (gutter.isEmpty() || !reachedAcross(words, gutter.getAsInt())) {
            return Optional.empty();
        }
        List<List<Word>> columns = new ArrayList<>();
        split(words, 0, columns);
        List<List<TextSpan>> paragraphs = new ArrayList<>();
        List<TextSpan> lines = new ArrayList<>();
        List<TextSpan> ordered = new ArrayList<>();
        for (List<Word> column : columns) {
            List<TextSpan> columnLines = new ArrayList<>();
            for (List<Word> line : lines(column)) {
                columnLines.add(line(line));
                line.forEach(word -> ordered.add(word.span()));
            }
            lines.addAll(columnLines);
            paragraphs.addAll(paragraphs(columnLines));
        }
        StringBuilder text = new StringBuilder();
        StringBuilder markdown = new StringBuilder();
        for (List<TextSpan> paragraph : paragraphs) {
            if (!text.isEmpty()) {
                text.append("\n\n");
                markdown.append("\n\n");
            }
            text.append(String.join("\n", paragraph.stream().map(TextSpan::text).toList()));
            markdown.append(String.join(" ", paragraph.stream().map(TextSpan::text).toList()));
        }
        return Optional.of(new Columns(text.toString(), lines, ordered, markdown.toString()));
    }

    private static void split(List<Word> words, int depth, List<List<Word>> columns) {
        OptionalInt gutter = depth < MAX_DEPTH ? gutter(words) : OptionalInt.empty();
        if (gutter.isEmpty()) {
            columns.add(words);
            return;
        }
        int x = gutter.getAsInt();
        split(words.stream().filter(word -> centre(word) < x).toList(), depth + 1, columns);
        split(words.stream().filter(word -> centre(word) >= x).toList(), depth + 1, columns);
    }

    /** The middle of the widest band no word touches, if it is wide enough and has lines on both sides. */
    private static OptionalInt gutter(List<Word> words) {
        if (words.size() < MIN_WORDS) {
            return OptionalInt.empty();
        }
        int left = words.stream().mapToInt(word -> word.box().x()).min().orElseThrow();
        int right = words.stream().mapToInt(word -> word.box().x() + word.box().w()).max().orElseThrow();
        int width = right - left;
        if (width <= 0) {
            return OptionalInt.empty();
        }
        boolean[] covered = new boolean[width];
        for (Word word : words) {
            for (int x = word.box().x() - left; x < word.box().x() + word.box().w() - left; x++) {
                covered[x] = true;
            }
        }
        int[] heights = words.stream().mapToInt(word -> word.box().h()).sorted().toArray();
        double minimum = GUTTER_HEIGHTS * heights[heights.length / 2];
        int bestStart = -1;
        int bestWidth = 0;
        for (int x = 0; x < width; ) {
            if (covered[x]) {
                x++;
                continue;
            }
            int start = x;
            while (x < width && !covered[x]) {
                x++;
            }
            double middle = (start + x) / 2.0;
            if (x - start > bestWidth && middle > EDGE_FRACTION * width && middle < (1 - EDGE_FRACTION) * width) {
                bestStart = start;
                bestWidth = x - start;
            }
        }
        if (bestStart < 0 || bestWidth < minimum) {
            return OptionalInt.empty();
        }
        int gutter = left + bestStart + bestWidth / 2;
        Set<Integer> leftLines = new HashSet<>();
        Set<Integer> rightLines = new HashSet<>();
        for (Word word : words) {
            (centre(word) < gutter ? leftLines : rightLines).add(word.line());
        }
        return leftLines.size() >= MIN_LINES_PER_SIDE && rightLines.size() >= MIN_LINES_PER_SIDE
                ? OptionalInt.of(gutter) : OptionalInt.empty();
    }

    /** Whether some text line Tesseract made holds words on both sides of {@code gutter}. */
    private static boolean reachedAcross(List<Word> words, int gutter) {
        Map<Integer, Integer> sides = new LinkedHashMap<>();
        for (Word word : words) {
            int side = centre(word) < gutter ? 1 : 2;
            if (sides.merge(word.line(), side, (a, b) -> a | b) == 3) {
                return true;
            }
        }
        return false;
    }

    private static int centre(Word word) {
        return word.box().x() + word.box().w() / 2;
    }

    /** A column's words grouped by Tesseract's lines, top to bottom, each line's words left to right. */
    private static List<List<Word>> lines(List<Word> column) {
        Map<Integer, List<Word>> byLine = new LinkedHashMap<>();
        for (Word word : column) {
            byLine.computeIfAbsent(word.line(), line -> new ArrayList<>()).add(word);
        }
        List<List<Word>> lines = new ArrayList<>(byLine.values());
        lines.forEach(line -> line.sort(Comparator.comparingInt(word -> word.box().x())));
        lines.sort(Comparator.comparingInt(line -> line.stream().mapToInt(word -> word.box().y()).min().orElseThrow()));
        return lines;
    }

    /** One line from its words: their text joined by spaces, their mean confidence, the box around them. */
    private static TextSpan line(List<Word> words) {
        int left = Integer.MAX_VALUE;
        int top = Integer.MAX_VALUE;
        int right = Integer.MIN_VALUE;
        int bottom = Integer.MIN_VALUE;
        double confidence = 0;
        for (Word word : words) {
            Box box = word.box();
            left = Math.min(left, box.x());
            top = Math.min(top, box.y());
            right = Math.max(right, box.x() + box.w());
            bottom = Math.max(bottom, box.y() + box.h());
            confidence += word.span().confidence().orElse(0);
        }
        String text = String.join(" ", words.stream().map(word -> word.span().text()).toList());
        return TextSpan.located(text, Math.round(1000 * confidence / words.size()) / 1000.0,
                new Box(left, top, right - left, bottom - top));
    }

    /**
     * A column's lines cut into paragraphs where the space between two lines is more than twice the
     * column's usual space and more than half a line: a blank line, or the start of another block.
     */
    private static List<List<TextSpan>> paragraphs(List<TextSpan> lines) {
        List<List<TextSpan>> paragraphs = new ArrayList<>();
        if (lines.isEmpty()) {
            return paragraphs;
        }
        int[] gaps = new int[lines.size() - 1];
        for (int i = 1; i < lines.size(); i++) {
            gaps[i - 1] = top(lines.get(i)) - bottom(lines.get(i - 1));
        }
        int[] sortedGaps = gaps.clone();
        java.util.Arrays.sort(sortedGaps);
        int usualGap = sortedGaps.length == 0 ? 0 : Math.max(0, sortedGaps[sortedGaps.length / 2]);
        int[] heights = lines.stream().mapToInt(line -> line.box().orElseThrow().h()).sorted().toArray();
        double lineHeight = heights[heights.length / 2];
        List<TextSpan> paragraph = new ArrayList<>(List.of(lines.getFirst()));
        for (int i = 1; i < lines.size(); i++) {
            if (gaps[i - 1] > 2 * usualGap && gaps[i - 1] > lineHeight / 2) {
                paragraphs.add(paragraph);
                paragraph = new ArrayList<>();
            }
            paragraph.add(lines.get(i));
        }
        paragraphs.add(paragraph);
        return paragraphs;
    }

    private static int top(TextSpan line) {
        return line.box().orElseThrow().y();
    }

    private static int bottom(TextSpan line) {
        Box box = line.box().orElseThrow();
        return box.y() + box.h();
    }
}
