package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.plugin.ocr.ScannedDocuments;
import dev.capfabric.plugin.ocr.TestContext;
import dev.capfabric.plugin.ocr.TestJobs;
import dev.capfabric.plugin.ocr.TextImages;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.JobPart;
import dev.capfabric.spi.PartResult;
import dev.capfabric.spi.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The provider's side of reading a document across a fleet, without the fleet: which documents it
 * splits and into what, that each part reads as its page, and that the merge gives the document's
 * answer with the node of each page. The kernel's side (routing the parts) is tested in the kernel;
 * both together in {@code FleetReadingIT}.
 */
class PageSplittingTest {

    @TempDir
    static Path dataDir;
    private static CapabilityProvider provider;

    @BeforeAll
    static void createProvider() {
        Creation creation = new TesseractFactory(Map.of()).create(new TestContext(Map.of("concurrency", "1", "max-pages", "6",
                "pdf-dpi", String.valueOf(ScannedDocuments.SCAN_DPI)), dataDir));
        provider = ((Creation.Ready) creation).provider();
    }

    @AfterAll
    static void closeProvider() {
        provider.close();
    }

    @Test
    void aScannedPdfSplitsIntoOnePdfPerPageEachReadAsItsPageAndMergedInOrder() throws Exception {
        Job job = TestJobs.ocr(ScannedDocuments.scanned(3, 3), "application/pdf", Map.of());

        List<JobPart> parts = provider.split(job);

        assertEquals(3, parts.size());
        List<PartResult> results = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            assertEquals("application/pdf", parts.get(i).input().mediaType());
            Result read = provider.handle(partJob(job, parts, i));
            results.add(new PartResult(i, read, "node-" + i));
        }
        Map<String, Object> merged = provider.merge(job, results).metadata();
        List<Map<String, Object>> pages = pages(merged);
        assertEquals(3, pages.size());
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            assertEquals(i, pages.get(i).get("index"));
            assertEquals("node-" + i, pages.get(i).get("node"), "the node the kernel names, not the one the page says");
            assertEquals("ocr", pages.get(i).get("source"));
            assertTrue(words(pages.get(i).get("text")).startsWith("Page " + (i + 1) + " "), pages.get(i).toString());
            text.append(ScannedDocuments.text(i)).append("\n\n");
        }
        assertTrue(ScannedDocuments.characterErrorRate(text.toString(), (String) merged.get("text")) <= 0.01, merged.toString());
        assertEquals("tesseract", merged.get("provider"));
        assertEquals("eng", merged.get("language"));
    }

    @Test
    void aMultiPageTiffSplitsIntoOnePngPerPage() throws Exception {
        Job job = TestJobs.ocr(tiff(3), "image/tiff", Map.of());

        List<JobPart> parts = provider.split(job);

        assertEquals(3, parts.size());
        List<PartResult> results = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            assertEquals("image/png", parts.get(i).input().mediaType());
            results.add(new PartResult(i, provider.handle(partJob(job, parts, i)), "n" + i));
        }
        List<Map<String, Object>> pages = pages(provider.merge(job, results).metadata());
        for (int i = 0; i < 3; i++) {
            assertEquals(ScannedDocuments.text(i), words(pages.get(i).get("text")));
            assertEquals("n" + i, pages.get(i).get("node"));
        }
    }

    @Test
    void whatHasNothingToShareIsNotSplit() throws Exception {
        // nothing to OCR: the text layer is read at once where the job is
        assertEquals(List.of(), provider.split(TestJobs.ocr(ScannedDocuments.withTextLayer(3), "application/pdf", Map.of())));
        // one page, one image, one-page TIFF
        assertEquals(List.of(), provider.split(TestJobs.ocr(ScannedDocuments.scanned(1, 1), "application/pdf", Map.of())));
        assertEquals(List.of(), provider.split(TestJobs.png(TextImages.png("One image"))));
        assertEquals(List.of(), provider.split(TestJobs.ocr(tiff(1), "image/tiff", Map.of())));
        // a part is never split again
        Job part = TestJobs.ocr(ScannedDocuments.scanned(2, 1), "application/pdf", Map.of(JobPart.PARAMETER, "0/2"));
        assertEquals(List.of(), provider.split(part));
    }

    @Test
    void documentsAWholeReadWouldRefuseAreRefusedBeforeAnyPartRuns() throws Exception {
        byte[] damaged = java.util.Arrays.copyOf(ScannedDocuments.scanned(2, 1), 300);
        assertKind(CapabilityException.Kind.BAD_INPUT, TestJobs.ocr(damaged, "application/pdf", Map.of()));
        assertKind(CapabilityException.Kind.TOO_LARGE, TestJobs.ocr(ScannedDocuments.scanned(7, 1), "application/pdf", Map.of()));
        assertKind(CapabilityException.Kind.TOO_LARGE, TestJobs.ocr(tiff(7), "image/tiff", Map.of()));
        assertKind(CapabilityException.Kind.BAD_INPUT, TestJobs.ocr(ScannedDocuments.scanned(2, 1), "application/pdf",
                Map.of("psm", "99")));
    }

    @Test
    void aPartAnsweredInAnotherShapeIsAnInternalErrorNamingThePage() {
        Job job = TestJobs.ocr(ScannedDocuments.scanned(2, 1), "application/pdf", Map.of());
        List<PartResult> parts = List.of(
                new PartResult(0, Result.json(Map.of("pages", List.of(Map.of("text", "fine", "index", 0)))), "a"),
                new PartResult(1, Result.json(Map.of("text", "no pages here")), "b"));

        CapabilityException failed = assertThrows(CapabilityException.class, () -> provider.merge(job, parts));

        assertEquals(CapabilityException.Kind.INTERNAL, failed.kind());
        assertTrue(failed.getMessage().contains("page 2, read on node b"), failed.getMessage());
    }

    /** Part {@code index} of {@code job} as the kernel makes it. */
    private static Job partJob(Job job, List<JobPart> parts, int index) {
        Map<String, String> parameters = new HashMap<>(job.parameters());
        parameters.putAll(parts.get(index).parameters());
        parameters.put(JobPart.PARAMETER, index + "/" + parts.size());
        return new Job(job.id() + ".p" + index, job.capability(), parameters, parts.get(index).input(), job.deadline(),
                job.cancellation());
    }

    private static void assertKind(CapabilityException.Kind kind, Job job) {
        CapabilityException refused = assertThrows(CapabilityException.class, () -> provider.split(job));
        assertEquals(kind, refused.kind(), refused.getMessage());
    }

    private static byte[] tiff(int pages) {
        return TextImages.tiff(IntStream.range(0, pages)
                .mapToObj(i -> TextImages.render(ScannedDocuments.lines(i), TextImages.SERIF_32)).toList());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> pages(Map<String, Object> json) {
        return (List<Map<String, Object>>) json.get("pages");
    }

    private static String words(Object text) {
        return ((String) text).strip().replaceAll("\\s+", " ");
    }
}
