package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.plugin.ocr.TestJobs;
import dev.capfabric.plugin.ocr.TextImages;
import org.bytedeco.leptonica.PIX;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.bytedeco.leptonica.global.leptonica.pixReadMem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Orientation detection runs only for a doubtful first reading: an upright page (clean, noisy, skewed)
 * or one Tesseract reads sideways itself is read once; a page upside down or turned anticlockwise is
 * detected, turned and read again. Real Tesseract with osd.traineddata.
 */
class PageReaderTest {

    private static final List<String> TEXT = PagePreparationTest.TEXT;
    private static final String TRUTH = String.join(" ", TEXT);

    private static RecognitionWatch watch;
    private static TesseractEngine engine;
    private static final PageReader READER = new PageReader(new PagePreparation(true, true), true);

    @BeforeAll
    static void startEngine() throws Exception {
        Path tessdata = TessdataSources.SYSTEM_FOLDERS.stream()
                .filter(folder -> Files.isRegularFile(folder.resolve("eng.traineddata"))
                        && Files.isRegularFile(folder.resolve("osd.traineddata")))
                .findFirst().orElse(null);
        assumeTrue(tessdata != null, "no system tessdata with eng and osd (Debian: tesseract-ocr-eng, tesseract-ocr-osd)");
        watch = new RecognitionWatch();
        engine = new TesseractEngine(tessdata, watch);
        engine.load("eng");
    }

    @AfterAll
    static void endEngine() {
        if (engine != null) {
            engine.close();
            watch.close();
        }
    }

    private static PageReader.Reading read(PageReader reader, BufferedImage image) throws Exception {
        byte[] png = TextImages.encode(image, "png");
        PIX decoded = pixReadMem(png, png.length);
        return reader.read(engine, decoded, PageSegmentation.DEFAULT, TestJobs.png(png));
    }

    private static String words(String text) {
        return text.strip().replaceAll("\\s+", " ");
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, -3, 6})
    void anUprightPageIsReadOnceWithoutOrientationDetection(double skew) throws Exception {
        PageReader.Reading reading = read(READER, TextImages.rotate(TextImages.render(TEXT, TextImages.SERIF_32), skew));

        assertEquals(TRUTH, words(reading.page().text()));
        assertFalse(reading.orientationChecked(), "confidence " + reading.page().confidence());
        assertEquals(0, reading.rotationDegrees());
    }

    @Test
    void aPageTesseractReadsSidewaysItselfIsReadOnceAndSaysItWasTurned() throws Exception {
        // Tesseract's layout analysis takes vertical lines for text turned a quarter clockwise, and reads them so
        PageReader.Reading reading = read(READER, TextImages.rotate(TextImages.render(TEXT, TextImages.SERIF_32), 90));

        assertEquals(TRUTH, words(reading.page().text()));
        assertFalse(reading.orientationChecked(), "confidence " + reading.page().confidence());
        assertEquals(270, reading.rotationDegrees());
    }

    @ParameterizedTest
    @ValueSource(ints = {180, 270})
    void aPageUpsideDownOrTurnedAnticlockwiseIsDetectedTurnedAndReadAgain(int degrees) throws Exception {
        PageReader.Reading reading = read(READER, TextImages.rotate(TextImages.render(TEXT, TextImages.SERIF_32), degrees));

        assertEquals(TRUTH, words(reading.page().text()));
        assertTrue(reading.orientationChecked());
        assertEquals((360 - degrees) % 360, reading.rotationDegrees());
        assertTrue(reading.page().confidence() >= PageReader.DOUBTFUL_CONFIDENCE, "confidence " + reading.page().confidence());
    }

    @Test
    void withOrientationOffADoubtfulPageIsReadAsItLies() throws Exception {
        PageReader reader = new PageReader(new PagePreparation(true, true), false);

        PageReader.Reading reading = read(reader, TextImages.rotate(TextImages.render(TEXT, TextImages.SERIF_32), 180));

        assertFalse(reading.orientationChecked());
        assertEquals(0, reading.rotationDegrees());
        assertTrue(reading.page().confidence() < PageReader.DOUBTFUL_CONFIDENCE, "confidence " + reading.page().confidence());
    }

    @Test
    void aPageWithoutTextIsCheckedAndLeftAsItLies() throws Exception {
        BufferedImage blank = TextImages.render(List.of(""), TextImages.SERIF_32);

        PageReader.Reading reading = read(READER, blank);

        assertEquals("", reading.page().text());
        assertTrue(reading.orientationChecked(), "no text is no confident reading");
        assertEquals(0, reading.rotationDegrees());
    }
}
