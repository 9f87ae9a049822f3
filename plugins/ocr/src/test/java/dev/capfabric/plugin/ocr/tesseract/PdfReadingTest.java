package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.plugin.ocr.TestContext;
import dev.capfabric.plugin.ocr.TestJobs;
import dev.capfabric.plugin.ocr.TextImages;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.encryption.AccessPermission;
import org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.pdfbox.pdmodel.graphics.image.LosslessFactory;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PDFs read page by page: text layers used, scanned pages rendered and read, bad and oversized PDFs refused. */
class PdfReadingTest {

    private static final List<List<String>> PAGES = List.of(
            List.of("The quick brown fox jumps over the lazy dog", "Pack my box with five dozen liquor jugs"),
            List.of("How vexingly quick daft zebras jump", "Sphinx of black quartz, judge my vow"),
            List.of("Jackdaws love my big sphinx of quartz", "The five boxing wizards jump quickly"));

    @TempDir
    static Path dataDir;
    private static CapabilityProvider provider;

    @BeforeAll
    static void createProvider() {
        Creation creation = new TesseractFactory(Map.of()).create(new TestContext(
                Map.of("concurrency", "1", "max-pages", "4", "max-pixels", "8000000", "pdf-dpi", "150"), dataDir));
        provider = assertInstanceOf(Creation.Ready.class, creation, creation::toString).provider();
    }

    @AfterAll
    static void closeProvider() {
        provider.close();
    }

    @Test
    void usesTheTextLayerOfAPdfThatHasOne() throws Exception {
        byte[] pdf = pdf(document -> {
            for (List<String> lines : PAGES) {
                PDPage page = new PDPage(PDRectangle.A4);
                document.addPage(page);
                try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                    content.beginText();
                    content.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 14);
                    content.newLineAtOffset(72, 720);
                    for (String line : lines) {
                        content.showText(line);
                        content.newLineAtOffset(0, -20);
                    }
                    content.endText();
                }
            }
        });

        Map<String, Object> json = provider.handle(TestJobs.ocr(pdf, "application/pdf", Map.of())).metadata();

        List<Map<String, Object>> pages = pages(json);
        assertEquals(3, pages.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(i, pages.get(i).get("index"));
            assertEquals("text-layer", pages.get(i).get("source"));
            assertEquals(String.join(" ", PAGES.get(i)), words(pages.get(i).get("text")));
            assertEquals("test-node", pages.get(i).get("node"));
        }
        assertTrue(words(json.get("text")).startsWith(String.join(" ", PAGES.get(0))), json.toString());
    }

    @Test
    void aFollowedJobHearsEachPageAsItIsReadBeforeTheDocument() throws Exception {
        byte[] pdf = pdf(document -> {
            for (List<String> lines : PAGES) {
                BufferedImage scan = TextImages.render(lines, TextImages.SERIF_32);
                PDImageXObject image = LosslessFactory.createFromImage(document, scan);
                PDPage page = new PDPage(new PDRectangle(scan.getWidth() * 72f / 200, scan.getHeight() * 72f / 200));
                document.addPage(page);
                try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                    content.drawImage(image, 0, 0, page.getMediaBox().getWidth(), page.getMediaBox().getHeight());
                }
            }
        });
        List<dev.capfabric.spi.Result> pieces = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Double> progress = new java.util.concurrent.CopyOnWriteArrayList<>();
        long[] firstAt = {0};
        dev.capfabric.spi.Cancellation follower = new dev.capfabric.spi.Cancellation() {
            @Override
            public boolean isCancelled() {
                return false;
            }

            @Override
            public boolean streaming() {
                return true;
            }

            @Override
            public void progress(double fraction, String message) {
                progress.add(fraction);
            }

            @Override
            public void partial(dev.capfabric.spi.Result piece) {
                if (pieces.isEmpty()) {
                    firstAt[0] = System.nanoTime();
                }
                pieces.add(piece);
            }
        };

        long start = System.nanoTime();
        Map<String, Object> json = provider.handle(TestJobs.ocr(pdf, "application/pdf", Map.of(), java.time.Duration.ofSeconds(120),
                follower)).metadata();
        long done = System.nanoTime();

        List<Map<String, Object>> pages = pages(json);
        assertEquals(3, pieces.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(pages.get(i), pieces.get(i).metadata(), "piece " + i + " is the document's page " + i);
            assertEquals("ocr", pieces.get(i).metadata().get("source"));
            assertTrue(pieces.get(i).output().isEmpty());
        }
        assertEquals(List.of(1 / 3.0, 2 / 3.0, 1.0), progress);
        // two pages were still to be read when the first was handed over (reading one takes well over 50 ms);
        // as a share of the whole the first page is large, as it also pays for loading the engine
        assertTrue(done - firstAt[0] > 50_000_000L, "the first page came " + (done - firstAt[0]) / 1_000_000
                + " ms before the document, of " + (done - start) / 1_000_000 + " ms");

        List<dev.capfabric.spi.Result> unfollowed = new java.util.ArrayList<>();
        provider.handle(TestJobs.ocr(pdf, "application/pdf", Map.of(), java.time.Duration.ofSeconds(120), new dev.capfabric.spi.Cancellation() {
            @Override
            public boolean isCancelled() {
                return false;
            }

            @Override
            public void partial(dev.capfabric.spi.Result piece) {
                unfollowed.add(piece);
            }
        }));
        assertEquals(List.of(), unfollowed, "nobody following: no pieces");
    }

    @Test
    void readsScannedPagesWithoutATextLayerEvenWhenTurned() throws Exception {
        int[] turns = {0, 180, 3};
        byte[] pdf = pdf(document -> {
            for (int i = 0; i < PAGES.size(); i++) {
                BufferedImage scan = TextImages.rotate(TextImages.render(PAGES.get(i), TextImages.SERIF_32), turns[i]);
                PDImageXObject image = LosslessFactory.createFromImage(document, scan);
                // a scan at 200 dpi: the page is as large as the image would print
                PDPage page = new PDPage(new PDRectangle(scan.getWidth() * 72f / 200, scan.getHeight() * 72f / 200));
                document.addPage(page);
                try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                    content.drawImage(image, 0, 0, page.getMediaBox().getWidth(), page.getMediaBox().getHeight());
                }
            }
        });

        Map<String, Object> json = provider.handle(TestJobs.ocr(pdf, "application/pdf", Map.of())).metadata();

        List<Map<String, Object>> pages = pages(json);
        assertEquals(3, pages.size());
        for (int i = 0; i < 3; i++) {
            assertEquals("ocr", pages.get(i).get("source"), pages.get(i).toString());
            assertEquals(String.join(" ", PAGES.get(i)), words(pages.get(i).get("text")), pages.get(i).toString());
        }
        assertEquals(180, pages.get(1).get("rotation_degrees"));
    }

    @Test
    void refusesAPdfLockedWithAPassword() throws Exception {
        byte[] pdf = pdf(document -> {
            document.addPage(new PDPage());
            StandardProtectionPolicy policy = new StandardProtectionPolicy("owner", "secret", new AccessPermission());
            policy.setEncryptionKeyLength(128);
            document.protect(policy);
        });

        CapabilityException refused = assertThrows(CapabilityException.class,
                () -> provider.handle(TestJobs.ocr(pdf, "application/pdf", Map.of())));

        assertEquals(CapabilityException.Kind.BAD_INPUT, refused.kind());
        assertTrue(refused.getMessage().contains("encrypted"), refused.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {9, 40, 200})
    void refusesADamagedPdfWithAClearReason(int keptBytes) throws Exception {
        byte[] whole = pdf(document -> document.addPage(new PDPage()));
        byte[] damaged = Arrays.copyOf(whole, Math.min(keptBytes, whole.length / 2));

        CapabilityException refused = assertThrows(CapabilityException.class,
                () -> provider.handle(TestJobs.ocr(damaged, "application/pdf", Map.of())));

        assertEquals(CapabilityException.Kind.BAD_INPUT, refused.kind(), refused.getMessage());
    }

    @Test
    void refusesGarbageBehindAPdfHeader() {
        byte[] garbage = "%PDF-1.7\n%\u00e2\u00e3\nnot an object at all\n%%EOF\n".getBytes(StandardCharsets.ISO_8859_1);

        CapabilityException refused = assertThrows(CapabilityException.class,
                () -> provider.handle(TestJobs.ocr(garbage, "application/pdf", Map.of())));

        assertEquals(CapabilityException.Kind.BAD_INPUT, refused.kind(), refused.getMessage());
    }

    @Test
    void refusesMorePagesThanOneJobMayRead() throws Exception {
        byte[] pdf = pdf(document -> {
            for (int i = 0; i < 5; i++) {
                document.addPage(new PDPage());
            }
        });

        CapabilityException refused = assertThrows(CapabilityException.class,
                () -> provider.handle(TestJobs.ocr(pdf, "application/pdf", Map.of())));

        assertEquals(CapabilityException.Kind.TOO_LARGE, refused.kind());
        assertTrue(refused.getMessage().contains("5 pages"), refused.getMessage());
    }

    @Test
    void aPageDeclaringAHugeSizeIsRenderedWithinThePixelLimit() throws Exception {
        // 200 000 points square would be 7.7e11 pixels at 150 dpi: rendered instead at the resolution that fits 8 Mpx
        byte[] pdf = pdf(document -> document.addPage(new PDPage(new PDRectangle(200_000, 200_000))));
        long before = usedHeap();

        Map<String, Object> json = provider.handle(TestJobs.ocr(pdf, "application/pdf", Map.of())).metadata();

        assertEquals("", pages(json).getFirst().get("text"));
        assertTrue(usedHeap() - before < 256L << 20, "heap grew by " + ((usedHeap() - before) >> 20) + " MB");
    }

    private static long usedHeap() {
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> pages(Map<String, Object> json) {
        return (List<Map<String, Object>>) json.get("pages");
    }

    private static String words(Object text) {
        return ((String) text).strip().replaceAll("\\s+", " ");
    }

    private interface DocumentWriter {
        void write(PDDocument document) throws IOException;
    }

    private static byte[] pdf(DocumentWriter writer) throws IOException {
        try (PDDocument document = new PDDocument()) {
            writer.write(document);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            document.save(out);
            return out.toByteArray();
        }
    }
}
