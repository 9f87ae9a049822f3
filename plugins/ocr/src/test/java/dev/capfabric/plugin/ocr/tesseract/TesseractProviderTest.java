package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.plugin.ocr.TestContext;
import dev.capfabric.plugin.ocr.TestJobs;
import dev.capfabric.plugin.ocr.TextImages;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.ProviderDescription;
import dev.capfabric.spi.Result;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.leptonica.PIX;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.awt.Font;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.bytedeco.leptonica.global.leptonica.IFF_WEBP;
import static org.bytedeco.leptonica.global.leptonica.lept_free;
import static org.bytedeco.leptonica.global.leptonica.pixDestroy;
import static org.bytedeco.leptonica.global.leptonica.pixReadMem;
import static org.bytedeco.leptonica.global.leptonica.pixWriteMem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tesseract provider on real Tesseract, with text images rendered by Java2D. */
class TesseractProviderTest {

    private static final List<String> PANGRAMS = List.of(
            "The quick brown fox jumps over the lazy dog",
            "Pack my box with five dozen liquor jugs");

    @TempDir
    static Path dataDir;
    private static CapabilityProvider provider;

    @BeforeAll
    static void createProvider() {
        Creation creation = new TesseractFactory(Map.of()).create(new TestContext(Map.of("concurrency", "2"), dataDir));
        provider = assertInstanceOf(Creation.Ready.class, creation, creation::toString).provider();
    }

    @AfterAll
    static void closeProvider() {
        provider.close();
    }

    @Test
    void readsRenderedTextWithLinesWordsBoxesAndConfidence() throws Exception {
        BufferedImage image = TextImages.render(PANGRAMS, TextImages.SERIF_32);

        Map<String, Object> json = provider.handle(TestJobs.png(TextImages.encode(image, "png"))).metadata();

        assertEquals("The quick brown fox jumps over the lazy dog\nPack my box with five dozen liquor jugs", json.get("text"));
        assertEquals("tesseract", json.get("provider"));
        assertEquals("eng", json.get("language"));
        assertTrue((double) json.get("confidence") > 0.8, json.toString());
        List<Map<String, Object>> lines = spans(json, "lines");
        assertEquals(2, lines.size());
        assertEquals(PANGRAMS.get(1), lines.get(1).get("text"));
        List<Map<String, Object>> words = spans(json, "words");
        assertEquals(17, words.size());
        Map<String, Object> fox = words.get(3);
        assertEquals("fox", fox.get("text"));
        @SuppressWarnings("unchecked")
        Map<String, Integer> box = (Map<String, Integer>) fox.get("box");
        assertTrue(box.get("x") > 40 && box.get("x") + box.get("w") < image.getWidth(), box.toString());
        assertTrue(box.get("y") >= 30 && box.get("y") + box.get("h") < image.getHeight() / 2, box.toString());
        @SuppressWarnings("unchecked")
        Map<String, Integer> secondLine = (Map<String, Integer>) lines.get(1).get("box");
        assertTrue(secondLine.get("y") > box.get("y") + box.get("h"), "second line below the first: " + secondLine);
    }

    @ParameterizedTest
    @ValueSource(strings = {"png", "jpeg", "tiff", "bmp", "webp"})
    void readsEachClaimedImageFormat(String format) throws Exception {
        BufferedImage image = TextImages.render(PANGRAMS, new Font(Font.SANS_SERIF, Font.PLAIN, 28));
        byte[] png = TextImages.encode(image, "png");
        byte[] encoded = format.equals("webp") ? leptonicaWebp(png) : TextImages.encode(image, format);

        Result result = provider.handle(TestJobs.ocr(encoded, "application/octet-stream", Map.of()));

        String text = (String) result.metadata().get("text");
        for (String word : List.of("quick", "brown", "lazy", "dozen", "liquor", "jugs")) {
            assertTrue(text.contains(word), format + " lost '" + word + "': " + text);
        }
    }

    @Test
    void honoursSingleLinePageSegmentation() throws Exception {
        byte[] line = TextImages.png("Capability fabric 2025");

        Map<String, Object> json = provider.handle(TestJobs.ocr(line, "image/png", Map.of("psm", "7"))).metadata();

        assertEquals("Capability fabric 2025", json.get("text"));
    }

    @Test
    void answersEmptyTextForABlankPage() throws Exception {
        byte[] blank = TextImages.encode(TextImages.render(List.of(""), TextImages.SERIF_32), "png");

        Map<String, Object> json = provider.handle(TestJobs.png(blank)).metadata();

        assertEquals("", json.get("text"));
        assertEquals(List.of(), json.get("words"));
        assertEquals(0.0, json.get("confidence"));
    }

    @Test
    void refusesUndecodableImages() {
        byte[] png = TextImages.png("hello");
        byte[] corrupt = png.clone();
        Arrays.fill(corrupt, 33, corrupt.length, (byte) 0x5A); // header intact, pixel data garbage

        assertKind(CapabilityException.Kind.BAD_INPUT, TestJobs.png(corrupt), "could not be decoded");
        assertKind(CapabilityException.Kind.BAD_INPUT, TestJobs.png(Arrays.copyOf(png, png.length / 3)), "could not be decoded");
        assertKind(CapabilityException.Kind.BAD_INPUT, TestJobs.png("plain text, not an image".getBytes()), "not a PNG");
        assertKind(CapabilityException.Kind.BAD_INPUT, TestJobs.png(new byte[0]), "empty");
    }

    @Test
    void refusesAnImageDeclaringTooManyPixelsBeforeDecodingIt() {
        byte[] huge = TextImages.png("x");
        ByteBuffer.wrap(huge).putInt(16, 50_000).putInt(20, 50_000); // 2.5 gigapixels, a few hundred bytes

        assertKind(CapabilityException.Kind.TOO_LARGE, TestJobs.png(huge), "50000x50000");
    }

    @Test
    void refusesALanguageWithoutTraineddata() {
        Job job = TestJobs.ocr(TextImages.png("hello"), "image/png", Map.of("language", "eng+xyz"));

        assertKind(CapabilityException.Kind.UNPROCESSABLE, job, "language 'xyz' is not installed");
    }

    @Test
    void refusesPageSegmentationModesThatReadNoText() {
        assertKind(CapabilityException.Kind.BAD_INPUT,
                TestJobs.ocr(TextImages.png("hello"), "image/png", Map.of("psm", "2")), "reads no text");
        assertKind(CapabilityException.Kind.BAD_INPUT,
                TestJobs.ocr(TextImages.png("hello"), "image/png", Map.of("psm", "0")), "reads no text");
        assertKind(CapabilityException.Kind.BAD_INPUT,
                TestJobs.ocr(TextImages.png("hello"), "image/png", Map.of("psm", "21")), "page segmentation mode");
    }

    @Test
    void refusesAJobAbandonedBeforeItStarts() {
        Job cancelled = TestJobs.ocr(TextImages.png("hello"), "image/png", Map.of(), Duration.ofMinutes(1), () -> true);

        assertKind(CapabilityException.Kind.TIMEOUT, cancelled, "abandoned");
    }

    @Test
    void stopsRecognitionSoonAfterTheJobIsCancelled() throws Exception {
        List<String> page = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            page.addAll(PANGRAMS);
        }
        byte[] image = TextImages.encode(TextImages.render(page, TextImages.SERIF_32), "png");
        AtomicInteger askedWhenLeftAlone = new AtomicInteger();
        provider.handle(TestJobs.ocr(image, "image/png", Map.of(), Duration.ofMinutes(1), () -> {
            askedWhenLeftAlone.incrementAndGet();
            return false;
        }));
        AtomicInteger asked = new AtomicInteger();
        Job cancelledAfterThreeQuestions = TestJobs.ocr(image, "image/png", Map.of(), Duration.ofMinutes(1),
                () -> asked.incrementAndGet() > 3);

        assertKind(CapabilityException.Kind.TIMEOUT, cancelledAfterThreeQuestions, "cancelled");
        // with LSTM models Tesseract asks once per text line: left alone it asks for each of the 24 lines
        assertTrue(askedWhenLeftAlone.get() >= 24, "asked " + askedWhenLeftAlone.get() + " times");
        assertTrue(asked.get() <= 6, "went on after the cancellation: asked " + asked.get() + " times");
    }

    @Test
    void servesConcurrentJobsEachWithItsOwnEngine() throws Exception {
        List<String> sentences = List.of("Alpha bravo charlie delta", "Echo foxtrot golf hotel",
                "India juliett kilo lima", "Mike november oscar papa");
        try (ExecutorService workers = Executors.newFixedThreadPool(2)) {
            List<Future<Object>> answers = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                for (String sentence : sentences) {
                    answers.add(workers.submit(() -> provider.handle(TestJobs.png(TextImages.png(sentence))).metadata().get("text")));
                }
            }
            for (int i = 0; i < answers.size(); i++) {
                assertEquals(sentences.get(i % sentences.size()), answers.get(i).get());
            }
        }
        assertTrue(provider.health().detail().contains("of 2 engines started"), provider.health().detail());
    }

    @Test
    void endsAnEngineLeftUnusedForItsIdleReleaseAndStartsOneForTheNextJob(@TempDir Path data) throws Exception {
        Creation creation = new TesseractFactory(Map.of()).create(new TestContext(Map.of("concurrency", "1", "idle-release-ms", "1"), data));
        CapabilityProvider releasing = assertInstanceOf(Creation.Ready.class, creation, creation::toString).provider();
        try {
            assertTrue(releasing.health().detail().contains("0 of 1 engines started"), releasing.health().detail());
            assertEquals("Alpha bravo charlie", releasing.handle(TestJobs.png(TextImages.png("Alpha bravo charlie"))).metadata().get("text"));
            assertTrue(releasing.health().detail().contains("1 of 1 engines started"), releasing.health().detail());
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
            while (!releasing.health().detail().contains("0 of 1 engines started") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(releasing.health().detail().contains("0 of 1 engines started"), "released: " + releasing.health().detail());
            assertEquals("Echo foxtrot golf", releasing.handle(TestJobs.png(TextImages.png("Echo foxtrot golf"))).metadata().get("text"));
        } finally {
            releasing.close();
        }
    }

    @Test
    void describesLanguagesFoundAndLimits() {
        ProviderDescription description = provider.describe();

        assertTrue(description.languages().contains("eng"), description.languages().toString());
        assertFalse(description.languages().contains("osd"), "osd is no language");
        assertEquals(2, description.concurrency());
        assertEquals(List.of("image/png", "image/jpeg", "image/tiff", "image/bmp", "image/webp", "application/pdf"), description.accepts());
        assertTrue(description.artifacts().stream().anyMatch(a -> a.name().equals("eng") && a.bytes() > 1_000_000));
        assertTrue(provider.health().usable());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> spans(Map<String, Object> json, String key) {
        return (List<Map<String, Object>>) json.get(key);
    }

    private static void assertKind(CapabilityException.Kind kind, Job job, String messagePart) {
        CapabilityException failure = assertThrows(CapabilityException.class, () -> provider.handle(job));
        assertEquals(kind, failure.kind(), failure.getMessage());
        assertTrue(failure.getMessage().contains(messagePart), failure.getMessage());
    }

    /** Re-encodes a PNG as lossless WebP with Leptonica, since ImageIO has no WebP writer. */
    private static byte[] leptonicaWebp(byte[] png) {
        PIX pix = pixReadMem(png, png.length);
        try (PointerPointer<BytePointer> data = new PointerPointer<>(1); SizeTPointer size = new SizeTPointer(1)) {
            if (pixWriteMem(data, size, pix, IFF_WEBP) != 0) {
                throw new IllegalStateException("Leptonica could not write WebP");
            }
            BytePointer encoded = new BytePointer(data.get(0)).capacity(size.get());
            byte[] webp = new byte[(int) size.get()];
            encoded.get(webp);
            lept_free(encoded);
            return webp;
        } finally {
            pixDestroy(pix);
        }
    }
}
