package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.spi.CapabilityException;

import java.util.OptionalInt;

import static org.bytedeco.tesseract.global.tesseract.PSM_AUTO;
import static org.bytedeco.tesseract.global.tesseract.PSM_AUTO_ONLY;
import static org.bytedeco.tesseract.global.tesseract.PSM_AUTO_OSD;
import static org.bytedeco.tesseract.global.tesseract.PSM_OSD_ONLY;

/**
 * Chooses Tesseract's page segmentation mode for a job: the requested one when it reads text and
 * can run here, else the provider's default ({@code 3}, automatic segmentation, unless configured).
 */
final class PageSegmentation {

    static final int DEFAULT = PSM_AUTO;
    private static final int MAX = 13;

    private PageSegmentation() {
    }

    /**
     * @throws CapabilityException {@code BAD_INPUT} for modes that read no text (0 and 2);
     *                             {@code UNPROCESSABLE} for mode 1 when osd.traineddata is missing
     */
    static int choose(OptionalInt requested, int fallback, boolean osdInstalled) throws CapabilityException {
        int psm = requested.orElse(fallback);
        if (psm < 0 || psm > MAX) {
            throw CapabilityException.badInput("psm " + psm + " is not a page segmentation mode: expected 0 to " + MAX);
        }
        if (psm == PSM_OSD_ONLY) {
            throw CapabilityException.badInput("psm 0 detects orientation and script only and reads no text");
        }
        if (psm == PSM_AUTO_ONLY) {
            throw CapabilityException.badInput("psm 2 analyses the layout only and reads no text");
        }
        if (psm == PSM_AUTO_OSD && !osdInstalled) {
            throw CapabilityException.unprocessable("psm 1 needs osd.traineddata, which is not installed on this node");
        }
        return psm;
    }
}
