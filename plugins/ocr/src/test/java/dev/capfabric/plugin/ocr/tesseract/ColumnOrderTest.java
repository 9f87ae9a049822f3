package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.plugin.ocr.job.Box;
import dev.capfabric.plugin.ocr.job.TextSpan;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Words laid out as Tesseract reports them (boxes and line indices): a page read straight across its
 * columns is put back into column order, and nothing else is touched.
 */
class ColumnOrderTest {

    private static final int WORD_HEIGHT = 30;
    private static final int WORD_WIDTH = 80;
    private static final int SPACE = 12;
    private static final int LINE_PITCH = 45;

    /** Builds a page line by line; each line lists its words' x positions and texts. */
    private static final class Page {

        private final List<ColumnOrder.Word> words = new ArrayList<>();
        private int line;
        private int y = 50;

        /** One line Tesseract made, holding words starting at {@code x} for each text given, one word width apart. */
        Page line(Object... xAndTexts) {
            for (int i = 0; i < xAndTexts.length; i += 2) {
                int x = (Integer) xAndTexts[i];
                for (String text : ((String) xAndTexts[i + 1]).split(" ")) {
                    words.add(new ColumnOrder.Word(TextSpan.located(text, 0.9, new Box(x, y, WORD_WIDTH, WORD_HEIGHT)), line));
                    x += WORD_WIDTH + SPACE;
                }
            }
            line++;
            y += LINE_PITCH;
            return this;
        }

        Page blank() {
            y += LINE_PITCH;
            return this;
        }
    }

    /** A left column at x 50 (three words a line, to x 326), a right one at x 500. */
    private static Page twoColumnsReadAcross() {
        return new Page()
                .line(50, "a1 a2 a3", 500, "c1 c2 c3")
                .line(50, "a4 a5 a6", 500, "c4 c5 c6")
                .blank()
                .line(50, "b1 b2 b3", 500, "d1 d2 d3")
                .line(50, "b4 b5", 500, "d4 d5 d6");
    }

    @Test
    void aPageReadAcrossItsColumnsIsReadColumnByColumn() {
        ColumnOrder.Columns columns = ColumnOrder.of(twoColumnsReadAcross().words).orElseThrow();

        assertEquals("a1 a2 a3 a4 a5 a6\n\nb1 b2 b3 b4 b5\n\nc1 c2 c3 c4 c5 c6\n\nd1 d2 d3 d4 d5 d6", columns.markdown());
        assertEquals("a1 a2 a3\na4 a5 a6\n\nb1 b2 b3\nb4 b5\n\nc1 c2 c3\nc4 c5 c6\n\nd1 d2 d3\nd4 d5 d6", columns.text());
        assertEquals(List.of("a1 a2 a3", "a4 a5 a6", "b1 b2 b3", "b4 b5", "c1 c2 c3", "c4 c5 c6", "d1 d2 d3", "d4 d5 d6"),
                columns.lines().stream().map(TextSpan::text).toList());
        assertEquals("a1", columns.words().getFirst().text());
        assertEquals("d6", columns.words().getLast().text());
        assertEquals(new Box(500, 50, 3 * WORD_WIDTH + 2 * SPACE, WORD_HEIGHT), columns.lines().get(4).box().orElseThrow(),
                "a column's line is boxed around its own words");
    }

    @Test
    void threeColumnsReadAcrossAreReadColumnByColumn() {
        Page page = new Page()
                .line(50, "a1 a2", 400, "b1 b2", 750, "c1 c2")
                .line(50, "a3 a4", 400, "b3 b4", 750, "c3 c4")
                .line(50, "a5 a6", 400, "b5 b6", 750, "c5 c6");

        ColumnOrder.Columns columns = ColumnOrder.of(page.words).orElseThrow();

        assertEquals("a1 a2 a3 a4 a5 a6\n\nb1 b2 b3 b4 b5 b6\n\nc1 c2 c3 c4 c5 c6", columns.markdown());
    }

    @Test
    void columnsTesseractKeptApartKeepTesseractsOrder() {
        // Tesseract found the columns: no line of its own reaches across the gutter
        Page page = new Page()
                .line(50, "a1 a2 a3").line(50, "a4 a5 a6").line(50, "a7 a8 a9");
        page.y = 50;
        page.line(500, "c1 c2 c3").line(500, "c4 c5 c6").line(500, "c7 c8 c9");

        assertTrue(ColumnOrder.of(page.words).isEmpty());
    }

    @Test
    void aSingleColumnIsLeftAlone() {
        Page page = new Page()
                .line(50, "one two three four five six")
                .line(50, "seven eight nine ten")
                .line(50, "eleven twelve thirteen fourteen fifteen");

        assertTrue(ColumnOrder.of(page.words).isEmpty());
    }

    @Test
    void spacesThatLineUpDownThePageAreNoGutter() {
        // every line has a space at the same place, as short lines of a table or a poem may: a word's gap, not a gutter
        Page page = new Page()
                .line(50, "a1 a2", 50 + 2 * (WORD_WIDTH + SPACE) + WORD_HEIGHT, "b1 b2")
                .line(50, "a3 a4", 50 + 2 * (WORD_WIDTH + SPACE) + WORD_HEIGHT, "b3 b4")
                .line(50, "a5 a6", 50 + 2 * (WORD_WIDTH + SPACE) + WORD_HEIGHT, "b5 b6");

        assertTrue(ColumnOrder.of(page.words).isEmpty());
    }

    @Test
    void lineNumbersInTheMarginAreNoColumn() {
        // a gap near the text's edge: line numbers in a listing or a contract, not a column to read first
        Page page = new Page()
                .line(50, "1", 200, "a1 a2 a3 a4 a5 a6 a7 a8")
                .line(50, "2", 200, "b1 b2 b3 b4 b5 b6 b7 b8")
                .line(50, "3", 200, "c1 c2 c3 c4 c5 c6 c7 c8");

        assertTrue(ColumnOrder.of(page.words).isEmpty());
    }

    @Test
    void aGutterWithASingleLineBesideItIsNoColumn() {
        // a heading beside a column: one line is no column of its own
        Page page = new Page()
                .line(50, "a1 a2 a3", 500, "heading")
                .line(50, "a4 a5 a6")
                .line(50, "a7 a8 a9");

        assertTrue(ColumnOrder.of(page.words).isEmpty());
    }

    @Test
    void tooFewWordsAreLeftAlone() {
        Page page = new Page().line(50, "a1", 500, "c1").line(50, "a2", 500, "c2");

        assertTrue(ColumnOrder.of(page.words).isEmpty());
        assertTrue(ColumnOrder.of(List.of()).isEmpty());
    }
}
