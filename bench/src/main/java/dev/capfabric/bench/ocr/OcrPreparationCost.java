package dev.capfabric.bench.ocr;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.leptonica.PIX;
import org.bytedeco.tesseract.ResultIterator;
import org.bytedeco.tesseract.TessBaseAPI;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.bytedeco.leptonica.global.leptonica.L_BRING_IN_WHITE;
import static org.bytedeco.leptonica.global.leptonica.L_CHOOSE_MAX;
import static org.bytedeco.leptonica.global.leptonica.L_ROTATE_AREA_MAP;
import static org.bytedeco.leptonica.global.leptonica.pixBackgroundNormSimple;
import static org.bytedeco.leptonica.global.leptonica.pixConvertTo1;
import static org.bytedeco.leptonica.global.leptonica.pixConvertTo8;
import static org.bytedeco.leptonica.global.leptonica.pixDestroy;
import static org.bytedeco.leptonica.global.leptonica.pixFindSkewSweepAndSearch;
import static org.bytedeco.leptonica.global.leptonica.pixGetRankValue;
import static org.bytedeco.leptonica.global.leptonica.pixReadMem;
import static org.bytedeco.leptonica.global.leptonica.pixRotate;
import static org.bytedeco.leptonica.global.leptonica.pixScaleGrayMinMax;
import static org.bytedeco.tesseract.global.tesseract.OEM_DEFAULT;
import static org.bytedeco.tesseract.global.tesseract.OEM_TESSERACT_ONLY;
import static org.bytedeco.tesseract.global.tesseract.PSM_AUTO;
import static org.bytedeco.tesseract.global.tesseract.PSM_OSD_ONLY;
import static org.bytedeco.tesseract.global.tesseract.RIL_PARA;
import static org.bytedeco.tesseract.global.tesseract.RIL_TEXTLINE;
import static org.bytedeco.tesseract.global.tesseract.RIL_WORD;
import static org.bytedeco.tesseract.global.tesseract.TessResultIteratorDelete;

/**
 * Where the tesseract provider's page preparation spends its time, step by step, on the pages of
 * {@link OcrPreparation}: the steps are done here with the same Leptonica and Tesseract calls as the
 * plugin's {@code PagePreparation} (background evening, binarisation, skew search, deskew rotation,
 * orientation detection), each timed on its own, together with cheaper candidates for each (a
 * background-variation check, a coarser skew search, orientation detection on the binarised page) and
 * what a first reading of the straightened page tells (its mean confidence, the orientation Tesseract's
 * layout analysis gave its first block).
 *
 * <p>Run on demand: {@code java -cp <bench classpath> dev.capfabric.bench.ocr.OcrPreparationCost
 * [--tessdata /usr/share/tesseract-ocr/5/tessdata] [--out cost.md]}.
 */
public final class OcrPreparationCost {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final float DEG_TO_RAD = (float) (Math.PI / 180);

    private static final String[] STEPS = {"decode", "background (to 8 bpp + evening)", "binarise (threshold 130)",
            "skew search (sweep ±12° by 1° at 4×, search at 2× to 0.01°)", "deskew rotation (area map)",
            "orientation (OSD on the straightened page)", "recognise", "results (text, lines, words, paragraphs)",
            "candidate: background check (8 bpp, 16×16 max, rank spread)",
            "candidate: skew search (sweep ±12° by 2° at 4×, search at 4× to 0.05°)",
            "candidate: OSD on the binarised page"};

    private OcrPreparationCost() {
    }

    public static void main(String[] args) throws Exception {
        Path tessdata = Path.of("/usr/share/tesseract-ocr/5/tessdata");
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--tessdata" -> tessdata = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; use --tessdata DIR, --out FILE");
            }
        }
        List<SamplePage> pages = OcrPreparation.pages();
        TessBaseAPI api = new TessBaseAPI();
        TessBaseAPI osd = new TessBaseAPI();
        List<Measured> measured = new ArrayList<>();
        try {
            api.SetVariable("debug_file", "/dev/null");
            osd.SetVariable("debug_file", "/dev/null");
            if (api.Init(tessdata.toString(), "eng", OEM_DEFAULT) != 0
                    || osd.Init(tessdata.toString(), "osd", OEM_TESSERACT_ONLY) != 0) {
                throw new IllegalStateException("Tesseract could not load eng and osd from " + tessdata);
            }
            osd.SetPageSegMode(PSM_OSD_ONLY);
            measure(api, osd, pages.getFirst()); // warm up
            for (SamplePage page : pages) {
                Measured m = measure(api, osd, page);
                measured.add(m);
                System.err.printf(Locale.ROOT, "%-10s %2dpx %-28.28s %s conf %.2f bg %3d skew %5.2f/%5.2f (conf %.1f/%.1f) osd %3d/%3d"
                                + " block orientation %d%n", page.font(), page.sizePx(), page.variant().label,
                        Arrays.toString(Arrays.stream(m.nanos()).map(n -> n / 1_000_000).toArray()), m.confidence(),
                        m.backgroundSpread(), m.skew(), m.fastSkew(), m.skewConfidence(), m.fastSkewConfidence(),
                        m.osdRotation(), m.binaryOsdRotation(), m.blockOrientation());
            }
        } finally {
            api.End();
            api.close();
            osd.End();
            osd.close();
        }
        StringBuilder md = new StringBuilder("| step | ");
        for (PageVariant variant : PageVariant.values()) {
            md.append(variant.label).append(" | ");
        }
        md.append("**the 36 pages** |\n|---|").append("---:|".repeat(PageVariant.values().length + 1)).append('\n');
        for (int s = 0; s < STEPS.length; s++) {
            md.append("| ").append(STEPS[s]).append(" |");
            for (PageVariant variant : PageVariant.values()) {
                md.append(' ').append(mean(measured, s, m -> m.page().variant() == variant)).append(" |");
            }
            md.append(" **").append(mean(measured, s, m -> m.page().variant().core)).append("** |\n");
        }
        md.append("| first reading's mean confidence, min–max |");
        for (PageVariant variant : PageVariant.values()) {
            DoubleSummary c = summary(measured, m -> m.page().variant() == variant, Measured::confidence);
            md.append(String.format(Locale.ROOT, " %.2f–%.2f |", c.min(), c.max()));
        }
        DoubleSummary core = summary(measured, m -> m.page().variant().core, Measured::confidence);
        md.append(String.format(Locale.ROOT, " %.2f–%.2f |%n", core.min(), core.max()));
        md.append("| background spread (grey levels), min–max |");
        for (PageVariant variant : PageVariant.values()) {
            DoubleSummary c = summary(measured, m -> m.page().variant() == variant, Measured::backgroundSpread);
            md.append(String.format(Locale.ROOT, " %.0f–%.0f |", c.min(), c.max()));
        }
        core = summary(measured, m -> m.page().variant().core, Measured::backgroundSpread);
        md.append(String.format(Locale.ROOT, " %.0f–%.0f |%n", core.min(), core.max()));
        md.append(String.format(Locale.ROOT, "%nCPU ms per page (this thread), mean over each variant's 9 pages; load average %.1f at the end.%n",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        System.out.println(md);
        if (out != null) {
            Files.writeString(out, md);
        }
    }

    private record DoubleSummary(double min, double max) {
    }

    private static DoubleSummary summary(List<Measured> measured, java.util.function.Predicate<Measured> filter,
                                         java.util.function.ToDoubleFunction<Measured> value) {
        double[] values = measured.stream().filter(filter).mapToDouble(value).toArray();
        return new DoubleSummary(Arrays.stream(values).min().orElse(0), Arrays.stream(values).max().orElse(0));
    }

    private static String mean(List<Measured> measured, int step, java.util.function.Predicate<Measured> filter) {
        double ms = measured.stream().filter(filter).mapToLong(m -> m.nanos()[step]).average().orElse(0) / 1e6;
        return String.format(Locale.ROOT, "%.1f", ms);
    }

    private record Measured(SamplePage page, long[] nanos, double confidence, int backgroundSpread, float skew,
                            float skewConfidence, float fastSkew, float fastSkewConfidence, int osdRotation,
                            int binaryOsdRotation, int blockOrientation) {
    }

    private static Measured measure(TessBaseAPI api, TessBaseAPI osd, SamplePage page) {
        long[] nanos = new long[STEPS.length];
        long t = THREADS.getCurrentThreadCpuTime();
        PIX decoded = pixReadMem(page.encoded(), page.encoded().length);
        t = lap(nanos, 0, t);
        PIX gray = pixConvertTo8(decoded, 0);
        PIX even = pixBackgroundNormSimple(gray, null, null);
        t = lap(nanos, 1, t);
        PIX binary = pixConvertTo1(even, 130);
        t = lap(nanos, 2, t);
        float[] angle = new float[1];
        float[] confidence = new float[1];
        pixFindSkewSweepAndSearch(binary, angle, confidence, 4, 2, 12f, 1f, 0.01f);
        t = lap(nanos, 3, t);
        PIX straight = even;
        if (Math.abs(angle[0]) >= 0.1f && confidence[0] >= 3f) {
            straight = pixRotate(even, DEG_TO_RAD * angle[0], L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0);
        }
        t = lap(nanos, 4, t);
        int osdRotation = orientation(osd, straight);
        t = lap(nanos, 5, t);
        api.SetPageSegMode(PSM_AUTO);
        api.SetImage(straight);
        if (api.Recognize(null) != 0) {
            throw new IllegalStateException("recognition failed");
        }
        t = lap(nanos, 6, t);
        String text = OcrCostBreakdown.take(api.GetUTF8Text());
        double meanConfidence = text.isBlank() ? 0 : api.MeanTextConf() / 100.0;
        for (int level : new int[] {RIL_TEXTLINE, RIL_WORD, RIL_PARA}) {
            OcrCostBreakdown.readSpans(api, level);
        }
        t = lap(nanos, 7, t);
        int blockOrientation = blockOrientation(api);
        api.Clear();
        t = THREADS.getCurrentThreadCpuTime();
        PIX gray2 = pixConvertTo8(decoded, 0);
        PIX max = pixScaleGrayMinMax(gray2, 16, 16, L_CHOOSE_MAX);
        int[] low = new int[1];
        int[] high = new int[1];
        pixGetRankValue(max, 1, 0.1f, low);
        pixGetRankValue(max, 1, 0.9f, high);
        t = lap(nanos, 8, t);
        float[] fastAngle = new float[1];
        float[] fastConfidence = new float[1];
        pixFindSkewSweepAndSearch(binary, fastAngle, fastConfidence, 4, 4, 12f, 2f, 0.05f);
        t = lap(nanos, 9, t);
        int binaryOsd = orientation(osd, binary);
        lap(nanos, 10, t);
        for (PIX pix : new PIX[] {max, gray2, binary}) {
            pixDestroy(pix);
        }
        if (straight.address() != even.address()) {
            pixDestroy(straight);
        }
        pixDestroy(even);
        pixDestroy(gray);
        pixDestroy(decoded);
        return new Measured(page, nanos, meanConfidence, high[0] - low[0], angle[0], confidence[0],
                fastAngle[0], fastConfidence[0], osdRotation, binaryOsd, blockOrientation);
    }

    private static long lap(long[] nanos, int step, long since) {
        long now = THREADS.getCurrentThreadCpuTime();
        nanos[step] = now - since;
        return now;
    }

    private static int orientation(TessBaseAPI osd, PIX page) {
        try (IntPointer degrees = new IntPointer(1);
             FloatPointer confidence = new FloatPointer(1);
             PointerPointer<?> script = new PointerPointer<>(1);
             FloatPointer scriptConfidence = new FloatPointer(1)) {
            osd.SetImage(page);
            if (!osd.DetectOrientationScript(degrees, confidence, script, scriptConfidence) || confidence.get() < 2f) {
                return 0;
            }
            return Math.floorMod(degrees.get(), 360);
        } finally {
            osd.Clear();
        }
    }

    /** The orientation (0 up, 1 right, 2 down, 3 left) Tesseract's layout analysis gave the first block. */
    private static int blockOrientation(TessBaseAPI api) {
        ResultIterator iterator = api.GetIterator();
        if (iterator == null || iterator.isNull()) {
            return -1;
        }
        try (IntPointer orientation = new IntPointer(1);
             IntPointer direction = new IntPointer(1);
             IntPointer order = new IntPointer(1);
             FloatPointer deskew = new FloatPointer(1)) {
            iterator.Orientation(orientation, direction, order, deskew);
            return orientation.get();
        } finally {
            TessResultIteratorDelete(iterator);
        }
    }
}
