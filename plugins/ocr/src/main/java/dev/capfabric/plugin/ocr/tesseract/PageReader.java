package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Job;
import org.bytedeco.leptonica.PIX;

import static java.util.Objects.requireNonNull;

/**
 * Reads one decoded page: prepares it (background, skew), reads it, and only when that reading is
 * doubtful asks Tesseract's orientation detection whether the page lies turned, turns it and reads it
 * again, keeping the more confident of the two readings. Most pages lie upright, and orientation
 * detection costs more than reading a short page (168 against 107 ms of CPU on the bench's pages); a
 * page read with confidence lies upright or was read sideways by Tesseract itself (its layout analysis
 * reads vertical lines), so only a doubtful one can lie upside down or a quarter turn the other way. Safe to use from many jobs at
 * once, each with its own engine.
 */
final class PageReader {

    /**
     * A first reading below this mean confidence may be of a page lying turned. On the 99 pages of the
     * {@code OcrPreparation} bench upright print, clean, skewed, noisy or photographed, read at 0.80 to
     * 0.96; text upside down or a quarter turn anticlockwise at 0.30 to 0.43.
     */
    static final double DOUBTFUL_CONFIDENCE = 0.6;

    /**
     * A page read.
     *
     * @param page            what Tesseract read
     * @param skewDegrees     the skew removed before reading, counter-clockwise positive
     * @param rotationDegrees the clockwise turn (0, 90, 180, 270) that made the text upright, whether
     *                        the page was turned before reading or Tesseract read it sideways itself
     * @param orientationChecked whether orientation detection ran: only for a doubtful first reading
     */
    record Reading(TesseractEngine.Page page, double skewDegrees, int rotationDegrees, boolean orientationChecked) {
    }

    private final PagePreparation preparation;
    private final boolean orientation;

    /**
     * @param preparation the steps run on every page
     * @param orientation turn doubtful pages that lie sideways or upside down, if orientation detection finds so
     */
    PageReader(PagePreparation preparation, boolean orientation) {
        this.preparation = requireNonNull(preparation, "preparation is null");
        this.orientation = orientation;
    }

    /**
     * Reads {@code decoded}, taking it over: it is released, with every image made from it, before
     * this returns.
     *
     * @throws CapabilityException as {@link TesseractEngine#recognise} does
     */
    Reading read(TesseractEngine engine, PIX decoded, int pageSegmentation, Job job) throws CapabilityException {
        try (Pixes pixes = new Pixes()) {
            PIX page = pixes.keep(decoded);
            PagePreparation.Prepared prepared = preparation.prepare(page, pixes);
            TesseractEngine.Page first = engine.recognise(prepared.image(), pageSegmentation, job);
            if (!orientation || first.confidence() >= DOUBTFUL_CONFIDENCE) {
                return reading(first, prepared, false);
            }
            // the text lies turned clockwise by this much: turning it as much again, modulo a full turn, sets it upright
            int turn = (360 - engine.textRotation(prepared.image())) % 360;
            if (turn == 0) {
                return reading(first, prepared, true);
            }
            PagePreparation.Prepared upright = preparation.turn(prepared, turn, pixes);
            TesseractEngine.Page second = engine.recognise(upright.image(), pageSegmentation, job);
            return second.confidence() > first.confidence() ? reading(second, upright, true)
                    : reading(first, prepared, true);
        }
    }

    /**
     * The turn that set the text upright: the one applied before reading, and the one Tesseract made
     * itself where that reading is confident (a doubtful one set nothing upright).
     */
    private static Reading reading(TesseractEngine.Page page, PagePreparation.Prepared prepared, boolean checked) {
        int tesseractTurn = page.confidence() >= DOUBTFUL_CONFIDENCE ? page.textTurn() : 0;
        return new Reading(page, prepared.skewDegrees(), (prepared.rotationDegrees() + 360 - tesseractTurn) % 360,
                checked);
    }
}
