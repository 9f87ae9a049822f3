package dev.capfabric.bench.ocr;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Measures the plugin's in-process Tesseract against the {@code tesseract} CLI on the same
 * Java2D-rendered pages in the same run: character error rate and time per page. Pages cover three
 * fonts, three sizes and four variants (clean, rotated ±3°, noisy); each page is read
 * {@code repeats} times by each engine, the engines taking turns, and the median time is kept.
 *
 * <p>Run on demand: {@code ./mvnw -Pbench -pl bench exec:java
 * -Dexec.mainClass=dev.capfabric.bench.ocr.OcrComparison [-Dexec.args="--repeats 3 --out report.md"]}.
 * With {@code --node http://HOST:PORT} a fifth engine reads every page through a running node's
 * {@code POST /v1/capability/ocr}, pinned to its {@code tesseract} provider.
 */
public final class OcrComparison {

    private static final List<String> FONTS = List.of("Serif", "SansSerif", "Monospaced");
    private static final List<Integer> SIZES_PX = List.of(16, 24, 36);
    private static final int LINES_PER_PAGE = 4;

    private OcrComparison() {
    }

    public static void main(String[] args) throws Exception {
        int repeats = 3;
        Path out = null;
        URI node = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--node" -> node = URI.create(args[++i]);
                default -> throw new IllegalArgumentException(
                        "unknown argument " + args[i] + "; use --repeats N, --out FILE, --node http://HOST:PORT");
            }
        }
        List<SamplePage> pages = pages();
        List<SamplePage> shortTexts = shortTexts();
        Path work = Files.createTempDirectory("capfabric-ocr-bench");
        List<PageResult> results = new ArrayList<>();
        List<PageResult> shortResults = new ArrayList<>();
        List<String> versions = new ArrayList<>();
        PageResult blank;
        try (OcrEngine inProcess = new InProcessTesseract(work.resolve("provider-data"), Map.of());
             OcrEngine cli = new TesseractCli(work, false);
             OcrEngine cliSingleThreaded = new TesseractCli(work, true);
             OcrEngine inProcessSingleBlock = new InProcessTesseract(work.resolve("provider-data-psm6"), Map.of("psm", "6"));
             OcrEngine overHttp = node == null ? null : new HttpNodeOcr(node)) {
            List<OcrEngine> engines = new ArrayList<>(List.of(inProcess, cli, cliSingleThreaded, inProcessSingleBlock));
            if (overHttp != null) {
                engines.add(overHttp);
            }
            for (OcrEngine engine : engines) {
                versions.add(engine.name() + ": " + engine.version());
                engine.read(pages.getFirst()); // warm up: page cache, JIT, the provider's lazily started engine
            }
            for (SamplePage page : pages) {
                PageResult result = measure(page, engines, repeats);
                results.add(result);
                System.err.printf("%-10s %2dpx %-28s in-process %4d ms, CLI %4d ms, CLI 1 thread %4d ms%n", page.font(),
                        page.sizePx(), page.variant().label, result.engines().get(0).wallMillis(),
                        result.engines().get(1).wallMillis(), result.engines().get(2).wallMillis());
            }
            for (SamplePage page : shortTexts) {
                shortResults.add(measure(page, engines, repeats));
            }
            // a page without text costs what every call costs: for the CLI, starting and loading the model
            blank = measure(PageRenderer.render(List.of(""), "Serif", 24, PageVariant.CLEAN, 0), engines, 3 * repeats);
        }
        String report = new ComparisonReport(results, shortResults, blank, repeats, versions).markdown();
        System.out.println(report);
        if (out != null) {
            Files.writeString(out, report);
        }
    }

    /** The 36 pages: every font, size and variant. */
    static List<SamplePage> pages() {
        List<SamplePage> pages = new ArrayList<>();
        for (String font : FONTS) {
            for (int size : SIZES_PX) {
                for (PageVariant variant : PageVariant.values()) {
                    if (!variant.core) {
                        continue;
                    }
                    int index = pages.size();
                    pages.add(PageRenderer.render(SampleText.linesFor(index, LINES_PER_PAGE), font, size, variant, index));
                }
            }
        }
        return pages;
    }

    /** One word and one line per font, clean, 24 px: images where the CLI's fixed cost weighs most. */
    private static List<SamplePage> shortTexts() {
        List<SamplePage> pages = new ArrayList<>();
        for (String font : FONTS) {
            pages.add(PageRenderer.render(List.of("Invoice"), font, 24, PageVariant.CLEAN, 0));
            pages.add(PageRenderer.render(SampleText.linesFor(pages.size(), 1), font, 24, PageVariant.CLEAN, 0));
        }
        return pages;
    }

    private static PageResult measure(SamplePage page, List<OcrEngine> engines, int repeats) throws Exception {
        List<List<OcrEngine.Reading>> readings = new ArrayList<>();
        engines.forEach(engine -> readings.add(new ArrayList<>()));
        for (int i = 0; i < repeats; i++) {
            for (int e = 0; e < engines.size(); e++) {
                readings.get(e).add(engines.get(e).read(page));
            }
        }
        return new PageResult(page, readings.stream().map(r -> EngineResult.of(page, r)).toList());
    }

    /** One engine on one page: its text (from the first reading), its edit distance, its median times. */
    record EngineResult(String text, int edits, long wallMillis, long cpuMillis) {

        static EngineResult of(SamplePage page, List<OcrEngine.Reading> readings) {
            String text = readings.getFirst().text();
            return new EngineResult(text, CharacterErrors.distance(page.truth(), text),
                    median(readings.stream().mapToLong(OcrEngine.Reading::wallNanos).toArray()) / 1_000_000,
                    median(readings.stream().mapToLong(OcrEngine.Reading::cpuNanos).toArray()) / 1_000_000);
        }

        private static long median(long[] values) {
            java.util.Arrays.sort(values);
            return values[values.length / 2];
        }
    }

    /**
     * Every engine's result on one page, in the order in-process, CLI, CLI single-threaded, in-process
     * with psm 6, and the node over HTTP when measured.
     */
    record PageResult(SamplePage page, List<EngineResult> engines) {

        int truthLength() {
            return CharacterErrors.normalise(page.truth()).length();
        }
    }
}
