package dev.capfabric.plugin.ocr.tesseract;

import org.bytedeco.leptonica.PIX;

import static org.bytedeco.leptonica.global.leptonica.pixBackgroundNormSimple;
import static org.bytedeco.leptonica.global.leptonica.pixConvertTo8;
import static org.bytedeco.leptonica.global.leptonica.pixDeskewGeneral;
import static org.bytedeco.leptonica.global.leptonica.pixDestroy;
import static org.bytedeco.leptonica.global.leptonica.pixRotate180;
import static org.bytedeco.leptonica.global.leptonica.pixRotateOrth;

/**
 * Turns a decoded page upright and straight before Tesseract reads it, with Leptonica: pages
 * scanned or photographed a few degrees off, or fed in sideways or upside down, are what users
 * send, and Tesseract's automatic segmentation reads a 3° skew at 7–59 % character errors.
 *
 * <p>Skew comes from Leptonica's sweep-and-search over projection profiles, within
 * {@link #MAX_SKEW_DEGREES}; orientation from Tesseract's orientation and script detection
 * ({@code osd.traineddata}, run after the skew is gone). A page whose orientation or skew cannot be
 * told with confidence is left as it is.
 */
final class PagePreparation {

    /** Skew searched either way; scans and phone photos rarely lie further off. */
    static final float MAX_SKEW_DEGREES = 12f;
    private static final float SWEEP_STEP_DEGREES = 1f;

    /**
     * A page ready to read, which owns the decoded image it came from. {@code skewDegrees} is the
     * skew found and removed (counter-clockwise positive, as Leptonica reports it),
     * {@code rotationDegrees} the clockwise turn applied to make the text upright (0, 90, 180 or 270).
     */
    record Prepared(PIX image, PIX decoded, double skewDegrees, int rotationDegrees) implements AutoCloseable {

        /** Releases the page and the decoded image (which may be one and the same). */
        @Override
        public void close() {
            if (image.address() != decoded.address()) {
                pixDestroy(image);
            }
            pixDestroy(decoded);
        }
    }

    private final boolean background;
    private final boolean orientation;
    private final boolean deskew;

    /**
     * @param background  evens out the page's background (uneven light, grey paper) in 8-bit grey first
     * @param orientation turns pages whose text lies sideways or upside down
     * @param deskew      removes a skew of up to {@link #MAX_SKEW_DEGREES}
     */
    PagePreparation(boolean background, boolean orientation, boolean deskew) {
        this.background = background;
        this.orientation = orientation;
        this.deskew = deskew;
    }

    /** Finds how far a page's text is turned; Tesseract's orientation detection in the provider. */
    @FunctionalInterface
    interface OrientationDetector {

        /** The clockwise rotation (0, 90, 180 or 270) the text of {@code page} lies at; 0 when unsure. */
        int textRotation(PIX page);
    }

    /**
     * Prepares {@code decoded}, taking it over: the answer releases it when closed. Safe to call from
     * many jobs at once, each with its own detector.
     */
    Prepared prepare(PIX decoded, OrientationDetector detector) {
        PIX page = decoded;
        double skew = 0;
        int rotation = 0;
        try {
            if (background) {
                page = next(page, decoded, evenBackground(page));
            }
            if (deskew) {
                Straightened straight = straighten(page);
                page = next(page, decoded, straight.image());
                skew = straight.angle();
            }
            if (orientation) {
                // the text lies turned clockwise by this much: turning it as much again, modulo a full turn, sets it upright
                rotation = (360 - detector.textRotation(page)) % 360;
                if (rotation != 0) {
                    page = next(page, decoded,
                            rotation == 180 ? pixRotate180(null, page) : pixRotateOrth(page, rotation / 90));
                    if (deskew && rotation != 180) {
                        // a page that lay sideways showed no text lines to measure its skew by until now
                        Straightened straight = straighten(page);
                        page = next(page, decoded, straight.image());
                        skew = straight.angle();
                    }
                }
            }
            return new Prepared(page, decoded, skew, rotation);
        } catch (RuntimeException | Error e) {
            new Prepared(page, decoded, skew, rotation).close();
            throw e;
        }
    }

    /**
     * {@code page} in 8-bit grey with its background brought to white: Tesseract's global threshold and
     * the skew search's both misread a page lit unevenly. Null when Leptonica cannot convert the page.
     */
    private static PIX evenBackground(PIX page) {
        PIX gray = pixConvertTo8(page, 0);
        if (gray == null || gray.isNull()) {
            return null;
        }
        PIX even = pixBackgroundNormSimple(gray, null, null);
        if (gray.address() != page.address()) {
            pixDestroy(gray);
        } else {
            pixDestroy(new PIX(gray));
        }
        return even;
    }

    private record Straightened(PIX image, float angle) {
    }

    /** {@code page} with its skew removed (possibly {@code page} itself, or null if Leptonica failed). */
    private static Straightened straighten(PIX page) {
        float[] angle = new float[1];
        float[] confidence = new float[1];
        PIX straight = pixDeskewGeneral(page, 0, MAX_SKEW_DEGREES, SWEEP_STEP_DEGREES, 0, 0, angle, confidence);
        // below its confidence or angle thresholds Leptonica answers a clone of the page itself: nothing was turned
        boolean turned = straight != null && !straight.isNull() && straight.address() != page.address();
        return new Straightened(straight, turned ? angle[0] : 0);
    }

    /**
     * The page to go on with: {@code made} when Leptonica made a new image (the previous page released
     * unless it is the caller's decoded image), else {@code page}. A clone's reference is given back
     * through a second handle: JavaCPP answers the very argument object for a returned clone, and
     * {@code pixDestroy} clears the handle it is given.
     */
    private static PIX next(PIX page, PIX decoded, PIX made) {
        if (made == null || made.isNull()) {
            return page;
        }
        if (made.address() == page.address()) {
            pixDestroy(new PIX(made));
            return page;
        }
        if (page.address() != decoded.address()) {
            pixDestroy(page);
        }
        return made;
    }
}
