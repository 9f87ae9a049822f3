package dev.capfabric.plugin.ocr.document;

/**
 * How much of a document one job may make a node read.
 *
 * @param maxPages  pages at most; a longer document is refused whole (413) rather than cut short
 * @param dpi       resolution pages without a usable text layer are rendered at
 * @param maxPixels pixels at most per rendered page: a larger page is rendered at a lower resolution
 */
public record DocumentLimits(int maxPages, int dpi, long maxPixels) {

    public static final int DEFAULT_MAX_PAGES = 500;
    public static final int DEFAULT_DPI = 300;

    public DocumentLimits {
        if (maxPages < 1 || dpi < 36 || dpi > 1200 || maxPixels < 1) {
            throw new IllegalArgumentException("document limits out of range: " + maxPages + " pages, " + dpi + " dpi, "
                    + maxPixels + " pixels");
        }
    }
}
