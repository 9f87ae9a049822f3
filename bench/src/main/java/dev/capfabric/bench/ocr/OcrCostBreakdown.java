package dev.capfabric.bench.ocr;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.leptonica.PIX;
import org.bytedeco.tesseract.PageIterator;
import org.bytedeco.tesseract.ResultIterator;
import org.bytedeco.tesseract.StringVector;
import org.bytedeco.tesseract.TessBaseAPI;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.bytedeco.leptonica.global.leptonica.pixDestroy;
import static org.bytedeco.leptonica.global.leptonica.pixReadMem;
import static org.bytedeco.leptonica.global.leptonica.pixScale;
import static org.bytedeco.tesseract.global.tesseract.OEM_DEFAULT;
import static org.bytedeco.tesseract.global.tesseract.PSM_AUTO;
import static org.bytedeco.tesseract.global.tesseract.PSM_SINGLE_BLOCK;
import static org.bytedeco.tesseract.global.tesseract.RIL_TEXTLINE;
import static org.bytedeco.tesseract.global.tesseract.RIL_WORD;
import static org.bytedeco.tesseract.global.tesseract.TessDeleteText;
import static org.bytedeco.tesseract.global.tesseract.TessPageIteratorDelete;
import static org.bytedeco.tesseract.global.tesseract.TessResultIteratorDelete;

/**
 * Where in-process Tesseract spends its CPU time on {@link OcrComparison}'s 36 pages, phase by phase:
 * decoding the PNG, thresholding, layout analysis, recognition, reading the results. Each trial is one
 * Tesseract 5.5.2 instance (as the plugin runs it) with some variables changed, so a variable's effect
 * on both time and CER shows in the same run. CPU time is the calling thread's: the JavaCPP build of
 * Tesseract has no OpenMP and runs on the caller's thread.
 *
 * <p>Run on demand: {@code java -cp <bench classpath> dev.capfabric.bench.ocr.OcrCostBreakdown
 * [--repeats 3] [--tessdata /usr/share/tesseract-ocr/5/tessdata] [--out report.md]}.
 */
public final class OcrCostBreakdown {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /**
     * One configuration of the engine.
     *
     * @param name      as shown in the report
     * @param psm       page segmentation mode
     * @param initOnly  variables Tesseract reads only while loading the model
     * @param variables variables set after loading
     * @param textPx    when positive, pages drawn with a larger font are scaled down to this text size
     *                  before recognition: the best that text-height normalisation could do, since it
     *                  uses the known font size instead of measuring it (the scaling is timed as decoding)
     */
    record Trial(String name, int psm, Map<String, String> initOnly, Map<String, String> variables, int textPx) {

        Trial(String name, int psm, Map<String, String> initOnly, Map<String, String> variables) {
            this(name, psm, initOnly, variables, 0);
        }
    }

    private static final List<Trial> TRIALS = List.of(
            new Trial("psm 3, defaults (the provider)", PSM_AUTO, Map.of(), Map.of()),
            new Trial("psm 3, tessedit_do_invert=0", PSM_AUTO, Map.of(), Map.of("tessedit_do_invert", "0")),
            new Trial("psm 3, tessedit_fix_fuzzy_spaces=0", PSM_AUTO, Map.of(), Map.of("tessedit_fix_fuzzy_spaces", "0")),
            new Trial("psm 3, textord_tabfind_find_tables=0", PSM_AUTO, Map.of(),
                    Map.of("textord_tabfind_find_tables", "0")),
            new Trial("psm 3, lstm_use_matrix=0 (no dictionary)", PSM_AUTO, Map.of("lstm_use_matrix", "0"), Map.of()),
            new Trial("psm 3, 36 px pages scaled to 24 px text", PSM_AUTO, Map.of(), Map.of(), 24),
            new Trial("psm 6", PSM_SINGLE_BLOCK, Map.of(), Map.of()));

    /** Decode, threshold, layout, recognise, results. */
    private static final int PHASES = 5;

    private OcrCostBreakdown() {
    }

    public static void main(String[] args) throws Exception {
        int repeats = 3;
        Path tessdata = Path.of("/usr/share/tesseract-ocr/5/tessdata");
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                case "--tessdata" -> tessdata = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException(
                        "unknown argument " + args[i] + "; use --repeats N, --tessdata DIR, --out FILE");
            }
        }
        List<SamplePage> pages = OcrComparison.pages();
        StringBuilder report = new StringBuilder("""
                | trial | CER | text lines found | decode | threshold | layout | recognise | results | total | recognise per line |
                |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
                """);
        for (Trial trial : TRIALS) {
            report.append(run(trial, pages, repeats, tessdata)).append('\n');
            System.err.println(report.substring(report.lastIndexOf("\n", report.length() - 2) + 1).strip());
        }
        report.append("\nCPU ms per page, median of ").append(repeats).append(" readings of each of the ")
                .append(pages.size()).append(" pages, averaged; load average at the end ")
                .append(String.format("%.1f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()))
                .append(".\n");
        System.out.println(report);
        if (out != null) {
            Files.writeString(out, report);
        }
    }

    private static String run(Trial trial, List<SamplePage> pages, int repeats, Path tessdata) {
        TessBaseAPI api = new TessBaseAPI();
        try (StringVector names = new StringVector(); StringVector values = new StringVector()) {
            api.SetVariable("debug_file", "/dev/null");
            trial.initOnly().forEach((name, value) -> {
                names.push_back(name);
                values.push_back(value);
            });
            if (api.Init(tessdata.toString(), "eng", OEM_DEFAULT, (BytePointer) null, 0, names, values, false) != 0) {
                throw new IllegalStateException("Tesseract could not load eng from " + tessdata);
            }
            trial.variables().forEach((name, value) -> {
                if (!api.SetVariable(name, value)) {
                    throw new IllegalArgumentException("Tesseract has no variable " + name);
                }
            });
            read(api, trial, pages.getFirst(), new long[PHASES]); // warm up
            long[] sums = new long[PHASES];
            int edits = 0;
            int truth = 0;
            int lines = 0;
            for (SamplePage page : pages) {
                long[][] phases = new long[PHASES][repeats];
                Reading reading = null;
                for (int r = 0; r < repeats; r++) {
                    long[] times = new long[PHASES];
                    reading = read(api, trial, page, times);
                    for (int p = 0; p < PHASES; p++) {
                        phases[p][r] = times[p];
                    }
                }
                for (int p = 0; p < PHASES; p++) {
                    Arrays.sort(phases[p]);
                    sums[p] += phases[p][repeats / 2];
                }
                edits += CharacterErrors.distance(page.truth(), reading.text());
                truth += CharacterErrors.normalise(page.truth()).length();
                lines += reading.lines();
            }
            double perPage = 1e6 * pages.size();
            double total = Arrays.stream(sums).sum() / perPage;
            return String.format("| %s | %.2f%% | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |", trial.name(),
                    100.0 * edits / truth, lines, sums[0] / perPage, sums[1] / perPage, sums[2] / perPage,
                    sums[3] / perPage, sums[4] / perPage, total, sums[3] / 1e6 / lines);
        } finally {
            api.End();
            api.close();
        }
    }

    private record Reading(String text, int lines) {
    }

    /** Reads one page, phase by phase, writing each phase's CPU nanoseconds into {@code times}. */
    private static Reading read(TessBaseAPI api, Trial trial, SamplePage page, long[] times) {
        long start = THREADS.getCurrentThreadCpuTime();
        PIX image = pixReadMem(page.encoded(), page.encoded().length);
        if (trial.textPx() > 0 && page.sizePx() > trial.textPx()) {
            float factor = (float) trial.textPx() / page.sizePx();
            PIX scaled = pixScale(image, factor, factor);
            pixDestroy(image);
            image = scaled;
        }
        try {
            long decoded = THREADS.getCurrentThreadCpuTime();
            api.SetPageSegMode(trial.psm());
            api.SetImage(image);
            pixDestroy(api.GetThresholdedImage());
            long thresholded = THREADS.getCurrentThreadCpuTime();
            // the layout is kept and reused by Recognize, so the two phases are timed apart without doing it twice
            PageIterator layout = api.AnalyseLayout();
            int lines = 0;
            if (layout != null && !layout.isNull()) {
                do {
                    lines++;
                } while (layout.Next(RIL_TEXTLINE));
                TessPageIteratorDelete(layout);
            }
            long analysed = THREADS.getCurrentThreadCpuTime();
            if (api.Recognize(null) != 0) {
                throw new IllegalStateException("recognition failed");
            }
            long recognised = THREADS.getCurrentThreadCpuTime();
            String text = take(api.GetUTF8Text());
            readSpans(api, RIL_TEXTLINE);
            readSpans(api, RIL_WORD);
            long done = THREADS.getCurrentThreadCpuTime();
            times[0] = decoded - start;
            times[1] = thresholded - decoded;
            times[2] = analysed - thresholded;
            times[3] = recognised - analysed;
            times[4] = done - recognised;
            return new Reading(text, lines);
        } finally {
            api.Clear();
            pixDestroy(image);
        }
    }

    /** What the provider reads per span: text, box and confidence. */
    static void readSpans(TessBaseAPI api, int level) {
        ResultIterator spans = api.GetIterator();
        if (spans == null || spans.isNull()) {
            return;
        }
        int[] box = new int[4];
        List<String> texts = new ArrayList<>();
        do {
            texts.add(take(spans.GetUTF8Text(level)));
            spans.BoundingBox(level, box, box, box, box);
            spans.Confidence(level);
        } while (spans.Next(level));
        TessResultIteratorDelete(spans);
    }

    /** Copies a string Tesseract allocated and frees it. */
    static String take(BytePointer text) {
        if (text == null || text.isNull()) {
            return "";
        }
        try {
            return text.getString(StandardCharsets.UTF_8);
        } finally {
            TessDeleteText(text);
        }
    }
}
