package dev.capfabric.plugin.ocr;

import com.fasterxml.jackson.jr.ob.JSON;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Documents read across a real fleet: three capfabric node processes with this build's OCR plugin
 * (Tesseract, one page at a time each) over a real nats-server. A document posted to node a is split
 * page by page by a's provider, its pages routed like any job to every node, and merged in page order
 * with the node that read each page. The last test kills node c (SIGKILL) while it reads a page.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetReadingIT {

    private static final Duration DEADLINE = Duration.ofSeconds(120);

    @TempDir
    static Path dir;
    private static FleetProcesses fleet;
    private static FleetProcesses.Node a;
    private static FleetProcesses.Node b;
    private static FleetProcesses.Node c;

    @BeforeAll
    static void startFleet() throws Exception {
        fleet = FleetProcesses.start(dir);
        Map<String, String> env = Map.of("CAPFABRIC_PROVIDERS_TESSERACT_CONCURRENCY", "1",
                "CAPFABRIC_PROVIDERS_TESSERACT_PDF_DPI", String.valueOf(ScannedDocuments.SCAN_DPI));
        a = fleet.startNode("a", env);
        b = fleet.startNode("b", env);
        c = fleet.startNode("c", env);
        fleet.awaitFleet(a, Duration.ofSeconds(90));
    }

    @AfterAll
    static void stopFleet() {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    @Order(1)
    void twentyScannedPagesAreReadOnAllThreeNodesInPageOrderAtUnderOnePercentCer() throws Exception {
        byte[] pdf = ScannedDocuments.scanned(20, 20);

        HttpResponse<String> response = fleet.read(a, pdf, "application/pdf", DEADLINE);

        assertEquals(200, response.statusCode(), response.body());
        List<Map<String, Object>> pages = pages(response);
        assertEquals(20, pages.size());
        assertReadInOrder(pages, 0);
        Set<Object> nodes = new HashSet<>();
        pages.forEach(page -> nodes.add(page.get("node")));
        assertEquals(Set.of("a", "b", "c"), nodes, "every node read some page: " + nodesByPage(pages));
        pages.forEach(page -> assertEquals("ocr", page.get("source")));
    }

    @Test
    @Order(2)
    void aPdfWithATextLayerIsReadFromItWholeOnTheNodeThatTookIt() throws Exception {
        HttpResponse<String> response = fleet.read(a, ScannedDocuments.withTextLayer(4), "application/pdf", DEADLINE);

        assertEquals(200, response.statusCode(), response.body());
        List<Map<String, Object>> pages = pages(response);
        assertEquals(4, pages.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(i, ((Number) pages.get(i).get("index")).intValue());
            assertEquals("text-layer", pages.get(i).get("source"));
            assertEquals(ScannedDocuments.text(i), words(pages.get(i).get("text")));
            assertEquals("a", pages.get(i).get("node"), "nothing to OCR: not worth sending anywhere");
        }
    }

    @Test
    @Order(3)
    void aMultiPageTiffIsReadPageByPageAcrossTheFleet() throws Exception {
        byte[] tiff = TextImages.tiff(IntStream.range(0, 6)
                .mapToObj(i -> TextImages.render(ScannedDocuments.lines(i), TextImages.SERIF_32)).toList());

        HttpResponse<String> response = fleet.read(a, tiff, "image/tiff", DEADLINE);

        assertEquals(200, response.statusCode(), response.body());
        List<Map<String, Object>> pages = pages(response);
        assertEquals(6, pages.size());
        assertReadInOrder(pages, 0);
        assertTrue(pages.stream().map(page -> page.get("node")).distinct().count() >= 2, "pages spread: " + nodesByPage(pages));
    }

    @Test
    @Order(4)
    void aPageNoNodeCanReadFailsTheDocumentWithAnErrorNamingIt() throws Exception {
        HttpResponse<String> response = fleet.read(a, ScannedDocuments.withUnreadablePage(6, 2), "application/pdf", DEADLINE);

        assertEquals(400, response.statusCode(), response.body());
        Map<String, Object> error = error(response);
        assertEquals("bad_input", error.get("kind"), response.body());
        String message = (String) error.get("message");
        assertTrue(message.startsWith("part 3 of 6 failed on node "), message);
        assertTrue(message.contains("too long and thin"), message);
        assertEquals(2, ((Number) ((Map<?, ?>) error.get("details")).get("part")).intValue(), response.body());
    }

    @Test
    @Order(5)
    void aNodeKilledMidDocumentLosesNoPage() throws Exception {
        // long enough that c is still needed when it dies, however fast the pages are read
        byte[] pdf = ScannedDocuments.scanned(60, 99);
        CompletableFuture<HttpResponse<String>> reading = CompletableFuture.supplyAsync(() -> {
            try {
                return fleet.read(a, pdf, "application/pdf", DEADLINE);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, Thread::startVirtualThread);
        awaitReadingAPage(c, reading);

        fleet.kill(c);
        assertTrue(!reading.isDone(), "c was killed before the document was read");

        HttpResponse<String> response = reading.get();
        assertEquals(200, response.statusCode(), response.body());
        List<Map<String, Object>> pages = pages(response);
        assertEquals(60, pages.size());
        assertReadInOrder(pages, 0);
        long byC = pages.stream().filter(page -> "c".equals(page.get("node"))).count();
        assertTrue(byC < 60, "c died mid-document, the others read the rest: " + nodesByPage(pages));
        assertTrue(pages.stream().anyMatch(page -> !"c".equals(page.get("node"))), nodesByPage(pages));
    }

    /**
     * Waits until {@code node} is seen running an OCR job (a page of the document being read), or for a
     * second: pages are read in a tenth of that, and a page can start and end between two looks.
     */
    private static void awaitReadingAPage(FleetProcesses.Node node, CompletableFuture<?> reading) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        while (System.nanoTime() < end && !reading.isDone()) {
            Map<String, Object> caps = fleet.getJson(node, "/caps");
            if (caps.get("load") instanceof Map<?, ?> load && load.get("inflight") instanceof Map<?, ?> inflight
                    && inflight.get("ocr") instanceof Number running && running.intValue() > 0) {
                return;
            }
            Thread.sleep(10);
        }
    }

    /** Every page at its place, its text that of its page of the document within 1 % CER overall. */
    private static void assertReadInOrder(List<Map<String, Object>> pages, int first) {
        StringBuilder truth = new StringBuilder();
        StringBuilder read = new StringBuilder();
        for (int i = 0; i < pages.size(); i++) {
            Map<String, Object> page = pages.get(i);
            assertEquals(i, ((Number) page.get("index")).intValue(), "page " + i + " in place");
            String text = words(page.get("text"));
            assertTrue(text.startsWith("Page " + (first + i + 1) + " "), "page " + i + " holds its own text: " + text);
            truth.append(ScannedDocuments.text(first + i)).append(' ');
            read.append(text).append(' ');
        }
        double cer = ScannedDocuments.characterErrorRate(truth.toString(), read.toString());
        assertTrue(cer <= 0.01, String.format("CER %.2f %% over %d pages", cer * 100, pages.size()));
    }

    private static String nodesByPage(List<Map<String, Object>> pages) {
        return IntStream.range(0, pages.size()).mapToObj(i -> i + ":" + pages.get(i).get("node")).toList().toString();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> pages(HttpResponse<String> response) throws IOException {
        return new ArrayList<>((List<Map<String, Object>>) JSON.std.mapFrom(response.body()).get("pages"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> error(HttpResponse<String> response) throws IOException {
        return (Map<String, Object>) JSON.std.mapFrom(response.body()).get("error");
    }

    private static String words(Object text) {
        return ((String) text).strip().replaceAll("\\s+", " ");
    }
}
