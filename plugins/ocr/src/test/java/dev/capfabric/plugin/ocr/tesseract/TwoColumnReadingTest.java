package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.plugin.ocr.TestContext;
import dev.capfabric.plugin.ocr.TestJobs;
import dev.capfabric.plugin.ocr.TextImages;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.awt.Font;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A page of two columns, two paragraphs each, read by real Tesseract: the markdown (and the text)
 * hold the first column's paragraphs, top to bottom, before the second column's.
 */
class TwoColumnReadingTest {

    private static final List<String> LEFT = List.of(
            "Rivers carry silt to the sea", "and build wide deltas there.", "",
            "Farmers sow rice on the", "fertile plains each spring.");
    private static final List<String> RIGHT = List.of(
            "Mountains rise where plates", "collide over many ages.", "",
            "Snow on their peaks feeds", "the rivers all summer long.");

    @TempDir
    static Path dataDir;
    private static CapabilityProvider provider;

    @BeforeAll
    static void createProvider() {
        Creation creation = new TesseractFactory(Map.of()).create(new TestContext(Map.of("concurrency", "1"), dataDir));
        provider = assertInstanceOf(Creation.Ready.class, creation, creation::toString).provider();
    }

    @AfterAll
    static void closeProvider() {
        provider.close();
    }

    static Stream<Arguments> pages() {
        Font sans = new Font(Font.SANS_SERIF, Font.PLAIN, 26);
        return Stream.of(
                Arguments.of("serif 32 px", TextImages.sideBySide(TextImages.render(LEFT, TextImages.SERIF_32),
                        TextImages.render(RIGHT, TextImages.SERIF_32))),
                Arguments.of("sans 26 px", TextImages.sideBySide(TextImages.render(LEFT, sans), TextImages.render(RIGHT, sans))),
                Arguments.of("serif 32 px, skewed 2°", TextImages.rotate(TextImages.sideBySide(
                        TextImages.render(LEFT, TextImages.SERIF_32), TextImages.render(RIGHT, TextImages.SERIF_32)), 2)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pages")
    void theFirstColumnsParagraphsAllPrecedeTheSeconds(String name, BufferedImage page) throws Exception {
        Map<String, Object> json = provider.handle(TestJobs.png(TextImages.encode(page, "png"))).metadata();

        String markdown = (String) json.get("markdown");
        List<String> paragraphs = Arrays.asList(markdown.split("\n\n"));
        int lastOfFirstColumn = paragraphs.indexOf(paragraphs.stream().filter(p -> p.contains("plains")).findFirst()
                .orElseThrow(() -> new AssertionError("no paragraph of column one's end: " + markdown)));
        int firstOfSecondColumn = paragraphs.indexOf(paragraphs.stream().filter(p -> p.contains("Mountains")).findFirst()
                .orElseThrow(() -> new AssertionError("no paragraph of column two's start: " + markdown)));
        assertTrue(lastOfFirstColumn < firstOfSecondColumn, markdown);
        assertTrue(paragraphs.getFirst().startsWith("Rivers"), markdown);
        assertTrue(paragraphs.size() >= 2, markdown);
        String truth = words(String.join(" ", LEFT) + " " + String.join(" ", RIGHT));
        assertEquals(truth, words(markdown), "markdown");
        assertEquals(truth, words((String) json.get("text")), "text");
    }

    private static String words(String text) {
        return text.strip().replaceAll("\\s+", " ");
    }
}
