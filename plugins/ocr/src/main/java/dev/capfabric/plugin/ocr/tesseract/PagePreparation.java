package dev.capfabric.plugin.ocr.tesseract;

import org.bytedeco.leptonica.PIX;

import static org.bytedeco.leptonica.global.leptonica.L_BRING_IN_WHITE;
import static org.bytedeco.leptonica.global.leptonica.L_CHOOSE_MAX;
import static org.bytedeco.leptonica.global.leptonica.L_ROTATE_AREA_MAP;
import static org.bytedeco.leptonica.global.leptonica.pixBackgroundNormSimple;
import static org.bytedeco.leptonica.global.leptonica.pixConvertTo1;
import static org.bytedeco.leptonica.global.leptonica.pixConvertTo8;
import static org.bytedeco.leptonica.global.leptonica.pixFindSkewSweepAndSearch;
import static org.bytedeco.leptonica.global.leptonica.pixGetRankValue;
import static org.bytedeco.leptonica.global.leptonica.pixRotate;
import static org.bytedeco.leptonica.global.leptonica.pixRotate180;
import static org.bytedeco.leptonica.global.leptonica.pixRotateOrth;
import static org.bytedeco.leptonica.global.leptonica.pixScaleGrayMinMax;

/**
 * Makes a decoded page straight, and turns it when asked, before Tesseract reads it, with Leptonica:
 * pages scanned or photographed a few degrees off are what users send, and Tesseract's automatic
 * segmentation reads a 3° skew at 7–59 % character errors.
 *
 * <p>Both steps work from one 8-bit grey copy of the page. Background evening runs only where the
 * page's background varies (uneven light, a shadow), told from the brightest pixel of each 16×16
 * block; a page evenly lit is read as it came. Skew comes from Leptonica's sweep over projection
 * profiles of the binarised page (reduced 4×), refined by a binary search near the best angle, within
 * {@link #MAX_SKEW_DEGREES}; a skew too small or too uncertain to matter leaves the page unturned.
 * Safe to use from many jobs at once: it holds only its settings.
 */
final class PagePreparation {

    /** Skew searched either way; scans and phone photos rarely lie further off. */
    static final float MAX_SKEW_DEGREES = 12f;
    private static final float SWEEP_STEP_DEGREES = 1f;
    /** The sweep's reduction: a page a quarter the size still shows its text lines' profile. */
    private static final int SWEEP_REDUCTION = 4;
    private static final int SEARCH_REDUCTION = 2;
    /** Where the binary search stops: far below any skew that troubles Tesseract. */
    private static final float SEARCH_PRECISION_DEGREES = 0.01f;
    /** A smaller skew is left: Leptonica's own threshold for deskewing. */
    private static final float MIN_SKEW_DEGREES = 0.1f;
    /** Leptonica's ratio of the best to the worst profile score below which it cannot tell the skew. */
    private static final float MIN_SKEW_CONFIDENCE = 3f;
    /** Leptonica's default threshold for the binarised copy the skew is measured on. */
    private static final int BINARY_THRESHOLD = 130;
    /** Blocks small enough to see the background between letters even of large print. */
    private static final int BACKGROUND_BLOCK = 16;
    /**
     * Grey levels between the darker and the brighter background (the 10th and 90th percentiles of
     * the blocks' brightest pixels) from which a page counts as unevenly lit. An evenly lit page,
     * noisy or not, spreads by a few levels; a page lit from one side by a hundred.
     */
    private static final int UNEVEN_BACKGROUND_SPREAD = 32;
    private static final float RADIANS_PER_DEGREE = (float) (Math.PI / 180);

    /**
     * A page ready to read. {@code skewDegrees} is the skew found and removed (counter-clockwise
     * positive, as Leptonica reports it), {@code rotationDegrees} the clockwise turn applied to make
     * the text upright (0, 90, 180 or 270). The image belongs to the {@link Pixes} it was prepared with.
     */
    record Prepared(PIX image, double skewDegrees, int rotationDegrees) {
    }

    private final boolean background;
    private final boolean deskew;

    /**
     * @param background evens out the page's background (uneven light, grey paper) where it varies
     * @param deskew     removes a skew of up to {@link #MAX_SKEW_DEGREES}
     */
    PagePreparation(boolean background, boolean deskew) {
        this.background = background;
        this.deskew = deskew;
    }

    /**
     * Prepares {@code page}, which {@code pixes} owns, as are the images made on the way. A page
     * Leptonica cannot convert is read as it came.
     */
    Prepared prepare(PIX page, Pixes pixes) {
        if (!background && !deskew) {
            return new Prepared(page, 0, 0);
        }
        PIX gray = pixes.keep(pixConvertTo8(page, 0));
        if (gray == null) {
            return new Prepared(page, 0, 0);
        }
        if (background && unevenlyLit(gray, pixes)) {
            PIX even = pixes.keep(pixBackgroundNormSimple(gray, null, null));
            if (even != null) {
                page = even;
                gray = even;
            }
        }
        if (deskew) {
            Straightened straight = straighten(gray, pixes);
            if (straight != null) {
                return new Prepared(straight.image(), straight.angle(), 0);
            }
        }
        return new Prepared(page, 0, 0);
    }

    /**
     * {@code page} turned clockwise by {@code clockwise} degrees (90, 180 or 270), straightened again
     * when it lay sideways: such a page showed no text lines to measure its skew by until now.
     */
    Prepared turn(Prepared page, int clockwise, Pixes pixes) {
        PIX turned = pixes.keep(clockwise == 180 ? pixRotate180(null, page.image())
                : pixRotateOrth(page.image(), clockwise / 90));
        if (turned == null) {
            return page;
        }
        if (deskew && clockwise != 180) {
            PIX gray = pixes.keep(pixConvertTo8(turned, 0));
            Straightened straight = gray == null ? null : straighten(gray, pixes);
            if (straight != null) {
                return new Prepared(straight.image(), straight.angle(), clockwise);
            }
            return new Prepared(turned, 0, clockwise);
        }
        return new Prepared(turned, page.skewDegrees(), clockwise);
    }

    /**
     * Whether the background of {@code gray} (8 bpp) varies: Tesseract's global threshold and the skew
     * search's both misread a page lit unevenly, while evening a page lit evenly costs time and gains
     * nothing. When it cannot tell (a page smaller than a block), it says yes, as evening is safe.
     */
    private static boolean unevenlyLit(PIX gray, Pixes pixes) {
        PIX brightest = pixes.keep(pixScaleGrayMinMax(gray, BACKGROUND_BLOCK, BACKGROUND_BLOCK, L_CHOOSE_MAX));
        int[] dark = new int[1];
        int[] bright = new int[1];
        if (brightest == null || pixGetRankValue(brightest, 1, 0.1f, dark) != 0
                || pixGetRankValue(brightest, 1, 0.9f, bright) != 0) {
            return true;
        }
        return bright[0] - dark[0] >= UNEVEN_BACKGROUND_SPREAD;
    }

    private record Straightened(PIX image, float angle) {
    }

    /** {@code gray} with its skew removed, or null when it has none worth removing or Leptonica failed. */
    private static Straightened straighten(PIX gray, Pixes pixes) {
        PIX binary = pixes.keep(pixConvertTo1(gray, BINARY_THRESHOLD));
        float[] angle = new float[1];
        float[] confidence = new float[1];
        if (binary == null || pixFindSkewSweepAndSearch(binary, angle, confidence, SWEEP_REDUCTION, SEARCH_REDUCTION,
                MAX_SKEW_DEGREES, SWEEP_STEP_DEGREES, SEARCH_PRECISION_DEGREES) != 0) {
            return null;
        }
        if (Math.abs(angle[0]) < MIN_SKEW_DEGREES || confidence[0] < MIN_SKEW_CONFIDENCE) {
            return null;
        }
        PIX straight = pixes.keep(pixRotate(gray, RADIANS_PER_DEGREE * angle[0], L_ROTATE_AREA_MAP, L_BRING_IN_WHITE,
                0, 0));
        return straight == null ? null : new Straightened(straight, angle[0]);
    }
}
