package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.plugin.ocr.TestContext;
import dev.capfabric.plugin.ocr.TestJobs;
import dev.capfabric.plugin.ocr.TextImages;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A TIFF of several pages is read page by page, as a document; a single page keeps the image answer. */
class MultipageTiffTest {

    // orientation detection needs a few lines of text: one line upside down is not told from one upright
    private static final List<List<String>> PAGES = List.of(
            List.of("The quick brown fox jumps over the lazy dog", "Pack my box with five dozen liquor jugs"),
            List.of("How vexingly quick daft zebras jump", "Sphinx of black quartz, judge my vow",
                    "Jackdaws love my big sphinx of quartz"),
            List.of("The five boxing wizards jump quickly", "Bright vixens jump; dozy fowl quack"));

    @TempDir
    static Path dataDir;
    private static CapabilityProvider provider;

    @BeforeAll
    static void createProvider() {
        Creation creation = new TesseractFactory(Map.of()).create(new TestContext(
                Map.of("concurrency", "1", "max-pages", "3"), dataDir));
        provider = assertInstanceOf(Creation.Ready.class, creation, creation::toString).provider();
    }

    @AfterAll
    static void closeProvider() {
        provider.close();
    }

    @Test
    void readsEveryPageInOrderTurningThoseThatNeedIt() throws Exception {
        byte[] tiff = tiff(List.of(page(0, 0), page(1, 180), page(2, 0)));

        Map<String, Object> json = provider.handle(TestJobs.ocr(tiff, "image/tiff", Map.of())).metadata();

        List<Map<String, Object>> pages = pages(json);
        assertEquals(3, pages.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(i, pages.get(i).get("index"));
            assertEquals(String.join(" ", PAGES.get(i)), words(pages.get(i).get("text")));
        }
        assertEquals(180, pages.get(1).get("rotation_degrees"));
        assertNull(json.get("lines"), "a document answers by page");
    }

    @Test
    void aSinglePageTiffKeepsTheImageAnswer() throws Exception {
        Map<String, Object> json = provider.handle(TestJobs.ocr(tiff(List.of(page(0, 0))), "image/tiff", Map.of())).metadata();

        assertEquals(String.join(" ", PAGES.getFirst()), words(json.get("text")));
        assertEquals(1, pages(json).size());
        assertEquals(17, ((List<?>) json.get("words")).size());
    }

    @Test
    void refusesMorePagesThanOneJobMayRead() throws Exception {
        byte[] tiff = tiff(List.of(page(0, 0), page(1, 0), page(2, 0), page(0, 0)));

        CapabilityException refused = assertThrows(CapabilityException.class,
                () -> provider.handle(TestJobs.ocr(tiff, "image/tiff", Map.of())));

        assertEquals(CapabilityException.Kind.TOO_LARGE, refused.kind(), refused.getMessage());
    }

    private static BufferedImage page(int index, double degrees) {
        return TextImages.rotate(TextImages.render(PAGES.get(index), TextImages.SERIF_32), degrees);
    }

    private static byte[] tiff(List<BufferedImage> pages) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("tiff").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.prepareWriteSequence(null);
            for (BufferedImage page : pages) {
                writer.writeToSequence(new IIOImage(page, null, null), null);
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> pages(Map<String, Object> json) {
        return (List<Map<String, Object>>) json.get("pages");
    }

    private static String words(Object text) {
        return ((String) text).strip().replaceAll("\\s+", " ");
    }
}
