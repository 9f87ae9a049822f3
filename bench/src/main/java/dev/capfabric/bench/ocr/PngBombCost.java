package dev.capfabric.bench.ocr;

import dev.capfabric.plugin.ocr.image.ImageLimits;
import dev.capfabric.plugin.ocr.image.PngBombs;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Payload;
import org.bytedeco.leptonica.PIX;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import static dev.capfabric.plugin.ocr.image.PngBombs.actl;
import static dev.capfabric.plugin.ocr.image.PngBombs.fctl;
import static dev.capfabric.plugin.ocr.image.PngBombs.iccp;
import static dev.capfabric.plugin.ocr.image.PngBombs.idat;
import static dev.capfabric.plugin.ocr.image.PngBombs.ihdr;
import static dev.capfabric.plugin.ocr.image.PngBombs.itxt;
import static dev.capfabric.plugin.ocr.image.PngBombs.png;
import static dev.capfabric.plugin.ocr.image.PngBombs.ztxt;
import static org.bytedeco.leptonica.global.leptonica.pixDestroy;
import static org.bytedeco.leptonica.global.leptonica.pixReadMem;

/**
 * What PNG decode bombs past the IHDR cost: the CPU time Leptonica (libpng, the decoder the tesseract
 * provider uses) spends decoding each unchecked, against the time the provider's image check takes to
 * refuse it; and the check's cost on real PNGs of a scanned page's size, against their decode.
 * Medians of {@code --runs} (default 5) on this thread's CPU clock.
 *
 * <p>Run: {@code ./mvnw -Pbench -pl bench exec:java -Dexec.mainClass=dev.capfabric.bench.ocr.PngBombCost}.
 */
public final class PngBombCost {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final ImageLimits LIMITS = new ImageLimits(ImageLimits.DEFAULT_MAX_BYTES, ImageLimits.DEFAULT_MAX_PIXELS);

    private PngBombCost() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length == 2 && args[0].equals("--runs") ? Integer.parseInt(args[1]) : 5;
        Map<String, byte[]> images = new LinkedHashMap<>();
        byte[][] manyTexts = new byte[202][];
        manyTexts[0] = ihdr(100, 100);
        byte[] text = ztxt(8L << 20);
        Arrays.fill(manyTexts, 1, 201, text);
        manyTexts[201] = idat(100, 100, 0);
        images.put("zTXt inflating to 1 GiB", png(ihdr(100, 100), ztxt(1L << 30), idat(100, 100, 0)));
        images.put("200 zTXt of 8 MiB each", png(manyTexts));
        images.put("iTXt inflating to 1 GiB", png(ihdr(100, 100), itxt(1L << 30), idat(100, 100, 0)));
        images.put("iCCP inflating to 1 GiB", png(ihdr(100, 100), iccp(1L << 30), idat(100, 100, 0)));
        images.put("IDAT of 1 GiB for 100x100", png(ihdr(100, 100), idat(100, 100, 1L << 30)));
        images.put("second IHDR 40000x40000", png(ihdr(100, 100), ihdr(40_000, 40_000), idat(100, 100, 0)));
        images.put("APNG frame 40000x40000", png(ihdr(100, 100), actl(2), fctl(0, 100, 100, 0, 0), idat(100, 100, 0), fctl(1, 40_000, 40_000, 0, 0)));
        images.put("real: 2480x3508 grey page (A4, 300 dpi)", png(ihdr(2480, 3508), idat(2480, 3508, 0)));
        images.put("real: 4960x7016 grey page (A4, 600 dpi)", png(ihdr(4960, 7016), idat(4960, 7016, 0)));
        System.out.printf(Locale.ROOT, "| image | bytes | decode unchecked, ms CPU | check, ms CPU | check says |%n|---|---:|---:|---:|---|%n");
        for (Map.Entry<String, byte[]> image : images.entrySet()) {
            byte[] bytes = image.getValue();
            double[] decode = new double[runs];
            double[] check = new double[runs];
            String verdict = "";
            for (int run = 0; run < runs; run++) {
                long start = THREADS.getCurrentThreadCpuTime();
                PIX pix = pixReadMem(bytes, bytes.length);
                decode[run] = (THREADS.getCurrentThreadCpuTime() - start) / 1e6;
                if (pix != null && !pix.isNull()) {
                    pixDestroy(pix);
                }
                start = THREADS.getCurrentThreadCpuTime();
                try {
                    LIMITS.check(new Payload("image/png", bytes));
                    verdict = "passes";
                } catch (CapabilityException e) {
                    verdict = e.kind() + ": " + e.getMessage();
                }
                check[run] = (THREADS.getCurrentThreadCpuTime() - start) / 1e6;
            }
            System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %.1f | %s |%n", image.getKey(), bytes.length, median(decode), median(check),
                    verdict.length() > 90 ? verdict.substring(0, 90) + "…" : verdict);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
