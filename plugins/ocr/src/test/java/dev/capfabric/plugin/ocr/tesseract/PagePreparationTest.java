package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.plugin.ocr.TestContext;
import dev.capfabric.plugin.ocr.TestJobs;
import dev.capfabric.plugin.ocr.TextImages;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pages skewed, sideways and upside down are read as if they lay straight; each step can be switched off. */
class PagePreparationTest {

    private static final List<String> TEXT = List.of(
            "The quick brown fox jumps over the lazy dog",
            "Pack my box with five dozen liquor jugs",
            "How vexingly quick daft zebras jump",
            "Sphinx of black quartz, judge my vow");
    private static final String TRUTH = String.join("\n", TEXT);

    @TempDir
    static Path dataDir;
    private static CapabilityProvider prepared;
    private static CapabilityProvider unprepared;

    @BeforeAll
    static void createProviders() {
        prepared = create(Map.of("concurrency", "1"));
        unprepared = create(Map.of("concurrency", "1", "deskew", "false", "orientation", "false"));
    }

    private static CapabilityProvider create(Map<String, String> config) {
        Creation creation = new TesseractFactory(Map.of()).create(new TestContext(config, dataDir));
        return assertInstanceOf(Creation.Ready.class, creation, creation::toString).provider();
    }

    @AfterAll
    static void closeProviders() {
        prepared.close();
        unprepared.close();
    }

    @ParameterizedTest
    @ValueSource(doubles = {-8, -3, 2.5, 6})
    void readsASkewedPageAsIfItLayStraightAndSaysByHowMuch(double degrees) throws Exception {
        byte[] page = TextImages.encode(TextImages.rotate(TextImages.render(TEXT, TextImages.SERIF_32), degrees), "png");

        Map<String, Object> json = prepared.handle(TestJobs.png(page)).metadata();

        assertEquals(words(TRUTH), words(json.get("text")));
        // Leptonica reports the correction it made: the opposite of a clockwise turn in screen coordinates
        double skew = ((Number) json.get("skew_degrees")).doubleValue();
        assertEquals(Math.abs(degrees), Math.abs(skew), 0.6, json.toString());
        assertEquals(0, json.get("rotation_degrees"));
    }

    @ParameterizedTest
    @ValueSource(ints = {90, 180, 270})
    void turnsAPageThatLiesSidewaysOrUpsideDownUpright(int degrees) throws Exception {
        byte[] page = TextImages.encode(TextImages.rotate(TextImages.render(TEXT, TextImages.SERIF_32), degrees), "png");

        Map<String, Object> json = prepared.handle(TestJobs.png(page)).metadata();

        assertEquals(words(TRUTH), words(json.get("text")));
        assertEquals((360 - degrees) % 360, json.get("rotation_degrees"), json.toString());
    }

    @Test
    void withBothStepsOffAnUpsideDownPageIsNotRead() throws Exception {
        // the control for the test above: the page really is unreadable without the turn
        byte[] page = TextImages.encode(TextImages.rotate(TextImages.render(TEXT, TextImages.SERIF_32), 180), "png");

        Map<String, Object> json = unprepared.handle(TestJobs.png(page)).metadata();

        assertNotEquals(words(TRUTH), words(json.get("text")));
        assertEquals(0, json.get("rotation_degrees"));
        assertEquals(0.0, ((Number) json.get("skew_degrees")).doubleValue());
    }

    @Test
    void anUprightPageIsLeftAsItIs() throws Exception {
        BufferedImage image = TextImages.render(TEXT, TextImages.SERIF_32);

        Map<String, Object> json = prepared.handle(TestJobs.png(TextImages.encode(image, "png"))).metadata();

        assertEquals(words(TRUTH), words(json.get("text")));
        assertEquals(0, json.get("rotation_degrees"));
        assertEquals(0.0, ((Number) json.get("skew_degrees")).doubleValue());
    }

    /** The text with its white space folded: Tesseract may put a blank line between blocks. */
    private static String words(Object text) {
        return ((String) text).strip().replaceAll("\\s+", " ");
    }

    @Test
    void markdownHoldsOneParagraphPerBlockWithItsLinesJoined() throws Exception {
        BufferedImage image = TextImages.render(List.of(TEXT.get(0), TEXT.get(1), "", "", TEXT.get(2)), TextImages.SERIF_32);

        Map<String, Object> json = prepared.handle(TestJobs.png(TextImages.encode(image, "png"))).metadata();

        String markdown = (String) json.get("markdown");
        assertTrue(markdown.contains(TEXT.get(0) + " " + TEXT.get(1)), markdown);
        assertTrue(markdown.endsWith("\n\n" + TEXT.get(2)), markdown);
    }
}
