package dev.capfabric.bench.ocr;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What each step of the tesseract provider's page preparation (deskew, orientation) does to character
 * errors and time, page variant by variant: the 36 pages of {@link OcrComparison} plus pages skewed by
 * ±8°, turned 90°/180°/270°, photo-like JPEGs and two-column pages, read by the plugin with each step
 * off and on, and by the Tesseract CLI.
 *
 * <p>Run: {@code ./mvnw -Pbench -pl bench exec:java -Dexec.mainClass=dev.capfabric.bench.ocr.OcrPreparation
 * [-Dexec.args="--out preparation.md"]}.
 */
public final class OcrPreparation {

    private static final List<String> FONTS = List.of("Serif", "SansSerif", "Monospaced");
    private static final List<Integer> SIZES_PX = List.of(16, 24, 36);
    private static final int LINES_PER_PAGE = 4;

    private OcrPreparation() {
    }

    public static void main(String[] args) throws Exception {
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--out")) {
                out = Path.of(args[++i]);
            } else {
                throw new IllegalArgumentException("unknown argument " + args[i] + "; use --out FILE");
            }
        }
        List<SamplePage> pages = pages();
        Path work = Files.createTempDirectory("capfabric-ocr-preparation");
        List<String> names = List.of("none", "background only", "deskew only", "orientation only", "deskew + orientation",
                "all three (default)", "CLI");
        List<long[]> results = new ArrayList<>(); // per page: edits per engine, wall ms per engine, CPU µs per engine
        try (OcrEngine none = step(work, "a", false, false, false);
             OcrEngine background = step(work, "b", true, false, false);
             OcrEngine deskew = step(work, "c", false, true, false);
             OcrEngine orientation = step(work, "d", false, false, true);
             OcrEngine both = step(work, "e", false, true, true);
             OcrEngine all = new InProcessTesseract(work.resolve("f"), Map.of());
             OcrEngine cli = new TesseractCli(work, false)) {
            List<OcrEngine> engines = List.of(none, background, deskew, orientation, both, all, cli);
            for (OcrEngine engine : engines) {
                engine.read(pages.getFirst()); // warm up
            }
            for (SamplePage page : pages) {
                long[] row = new long[3 * engines.size()];
                for (int e = 0; e < engines.size(); e++) {
                    OcrEngine.Reading reading = engines.get(e).read(page);
                    row[e] = CharacterErrors.distance(page.truth(), reading.text());
                    row[engines.size() + e] = reading.wallNanos() / 1_000_000;
                    row[2 * engines.size() + e] = reading.cpuNanos() / 1_000;
                }
                results.add(row);
                System.err.printf("%-10s %2dpx %-50s edits %s%n", page.font(), page.sizePx(), page.variant().label,
                        Arrays.toString(Arrays.copyOf(row, engines.size())));
            }
        }
        StringBuilder md = new StringBuilder("| variant | pages | " + String.join(" | ", names.stream().map(n -> "CER " + n).toList())
                + " | wall ms none | wall ms default | wall ms CLI | wall default / none | CPU default / none |\n|---|---:|"
                + "---:|".repeat(names.size() + 5) + "\n");
        for (PageVariant variant : PageVariant.values()) {
            row(md, variant.label, pages, results, names.size(), p -> p.variant() == variant);
        }
        row(md, "**the 36 pages of OcrComparison**", pages, results, names.size(), p -> p.variant().core);
        row(md, "**all " + pages.size() + " pages**", pages, results, names.size(), p -> true);
        md.append("\nMachine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, load average ")
                .append(String.format(Locale.ROOT, "%.1f", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                        .getSystemLoadAverage())).append(" at the end; each page read once per engine, engines taking turns; wall ms are medians per page; the\n"
                + "last two columns the mean per-page time (wall, and CPU of the reading thread) with the defaults over the\n"
                + "mean without preparation.\n");
        System.out.println(md);
        if (out != null) {
            Files.writeString(out, md);
        }
    }

    /** The pages: 3 fonts × 3 sizes × each {@link PageVariant}, in variant order. */
    static List<SamplePage> pages() {
        List<SamplePage> pages = new ArrayList<>();
        for (PageVariant variant : PageVariant.values()) {
            for (String font : FONTS) {
                for (int size : SIZES_PX) {
                    int index = pages.size();
                    pages.add(PageRenderer.render(SampleText.linesFor(index, variant == PageVariant.TWO_COLUMNS
                            ? 2 * LINES_PER_PAGE : LINES_PER_PAGE), font, size, variant, index));
                }
            }
        }
        return pages;
    }

    private static OcrEngine step(Path work, String folder, boolean background, boolean deskew, boolean orientation) {
        return new InProcessTesseract(work.resolve(folder), Map.of(), Map.of("normalize-background", String.valueOf(background),
                "deskew", String.valueOf(deskew), "orientation", String.valueOf(orientation)));
    }

    private static void row(StringBuilder md, String label, List<SamplePage> pages, List<long[]> results, int engines,
                            Predicate<SamplePage> filter) {
        List<Integer> chosen = new ArrayList<>();
        for (int i = 0; i < pages.size(); i++) {
            if (filter.test(pages.get(i))) {
                chosen.add(i);
            }
        }
        long truth = chosen.stream().mapToLong(i -> pages.get(i).truth().length()).sum();
        md.append("| ").append(label).append(" | ").append(chosen.size()).append(" |");
        for (int e = 0; e < engines; e++) {
            int engine = e;
            long edits = chosen.stream().mapToLong(i -> results.get(i)[engine]).sum();
            md.append(String.format(Locale.ROOT, " %.2f%% |", 100.0 * edits / truth));
        }
        for (int e : new int[] {0, engines - 2, engines - 1}) {
            long[] walls = chosen.stream().mapToLong(i -> results.get(i)[engines + e]).sorted().toArray();
            md.append(' ').append(walls[walls.length / 2]).append(" |");
        }
        // the mean per-page time with the defaults over the mean without preparation, wall and CPU
        for (int offset : new int[] {engines, 2 * engines}) {
            long none = chosen.stream().mapToLong(i -> results.get(i)[offset]).sum();
            long all = chosen.stream().mapToLong(i -> results.get(i)[offset + engines - 2]).sum();
            md.append(String.format(Locale.ROOT, " %.2f× |", (double) all / Math.max(1, none)));
        }
        md.append('\n');
    }
}
