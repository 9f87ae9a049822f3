package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.plugin.ocr.TestContext;
import dev.capfabric.plugin.ocr.TestJobs;
import dev.capfabric.plugin.ocr.TextImages;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import org.bytedeco.leptonica.PIX;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BinaryOperator;
import java.util.stream.Stream;

import static org.bytedeco.leptonica.global.leptonica.L_CHOOSE_MAX;
import static org.bytedeco.leptonica.global.leptonica.pixConvertTo8;
import static org.bytedeco.leptonica.global.leptonica.pixGetRankValue;
import static org.bytedeco.leptonica.global.leptonica.pixReadMem;
import static org.bytedeco.leptonica.global.leptonica.pixScaleGrayMinMax;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pages skewed, sideways and upside down are read as if they lay straight; each step can be switched
 * off; a page evenly lit is not evened, one lit unevenly is.
 */
class PagePreparationTest {

    /** Four lines of pangrams, the page every test here draws. */
    static final List<String> TEXT = List.of(
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

    /** Draws {@code TEXT}, then lets {@code light} (x, y in 0..1 → a factor) fall on it, and adds noise of {@code sigma}. */
    private static BufferedImage lit(BinaryOperator<Double> light, double sigma, int paper) {
        BufferedImage text = TextImages.render(TEXT, TextImages.SERIF_32);
        BufferedImage page = new BufferedImage(text.getWidth(), text.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
        java.util.Random random = new Random(7);
        for (int y = 0; y < page.getHeight(); y++) {
            for (int x = 0; x < page.getWidth(); x++) {
                double ink = (text.getRGB(x, y) & 0xff) / 255.0;
                double value = paper * ink * light.apply((double) x / page.getWidth(), (double) y / page.getHeight())
                        + random.nextGaussian() * sigma;
                page.getRaster().setSample(x, y, 0, (int) Math.max(0, Math.min(255, Math.round(value))));
            }
        }
        return page;
    }

    static Stream<Arguments> evenlyLitPages() {
        return Stream.of(
                Arguments.of("white", lit((x, y) -> 1.0, 0, 255), "png"),
                Arguments.of("grey paper", lit((x, y) -> 1.0, 0, 190), "png"),
                Arguments.of("noisy, sigma 40", lit((x, y) -> 1.0, 40, 255), "png"),
                Arguments.of("JPEG", lit((x, y) -> 1.0, 0, 255), "jpeg"));
    }

    static Stream<Arguments> unevenlyLitPages() {
        return Stream.of(
                Arguments.of("light falling off to the right",
                        lit((x, y) -> 1 - 0.45 * x, 0, 255), "png"),
                Arguments.of("light falling off downwards, noisy",
                        lit((x, y) -> 1 - 0.4 * y, 10, 255), "png"),
                Arguments.of("a shadow over one corner, JPEG",
                        lit((x, y) -> x < 0.3 && y < 0.5 ? 0.6 : 1.0, 0, 255), "jpeg"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("evenlyLitPages")
    void anEvenlyLitPageIsReadAsItCame(String name, BufferedImage image, String format) {
        byte[] encoded = TextImages.encode(image, format);
        try (Pixes pixes = new Pixes()) {
            PIX page = pixes.keep(pixReadMem(encoded, encoded.length));

            PagePreparation.Prepared prepared = new PagePreparation(true, false).prepare(page, pixes);

            assertEquals(page.address(), prepared.image().address(), "the page was evened");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unevenlyLitPages")
    void anUnevenlyLitPageIsEvened(String name, BufferedImage image, String format) {
        byte[] encoded = TextImages.encode(image, format);
        try (Pixes pixes = new Pixes()) {
            PIX page = pixes.keep(pixReadMem(encoded, encoded.length));
            int before = backgroundSpread(page, pixes);

            PagePreparation.Prepared prepared = new PagePreparation(true, false).prepare(page, pixes);

            assertNotEquals(page.address(), prepared.image().address(), "the page was not evened");
            int after = backgroundSpread(prepared.image(), pixes);
            assertTrue(after < before / 2, "background spread " + before + " before, " + after + " after");
        }
    }

    @Test
    void withBackgroundOffAnUnevenlyLitPageIsNotEvened() {
        byte[] encoded = TextImages.encode(lit((x, y) -> 1 - 0.45 * x, 0, 255), "png");
        try (Pixes pixes = new Pixes()) {
            PIX page = pixes.keep(pixReadMem(encoded, encoded.length));

            assertEquals(page.address(), new PagePreparation(false, true).prepare(page, pixes).image().address());
        }
    }

    /** Grey levels between the 10th and 90th percentile of the brightest pixel in each 16×16 block. */
    private static int backgroundSpread(PIX page, Pixes pixes) {
        PIX brightest = pixes.keep(pixScaleGrayMinMax(pixes.keep(pixConvertTo8(page, 0)), 16, 16, L_CHOOSE_MAX));
        int[] dark = new int[1];
        int[] bright = new int[1];
        pixGetRankValue(brightest, 1, 0.1f, dark);
        pixGetRankValue(brightest, 1, 0.9f, bright);
        return bright[0] - dark[0];
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
