package dev.capfabric.bench.ocr;

/**
 * How a rendered page is degraded before recognition. The first four make the 36-page set of
 * {@link OcrComparison}; the others are the harder pages {@link OcrPreparation} adds.
 */
enum PageVariant {
    CLEAN("clean", true),
    ROTATED_PLUS_3("rotated +3°", true),
    ROTATED_MINUS_3("rotated −3°", true),
    NOISY("noisy (σ 40 + 0.5% speckle)", true),
    ROTATED_PLUS_8("rotated +8°", false),
    ROTATED_MINUS_8("rotated −8°", false),
    TURNED_90("turned 90° clockwise", false),
    TURNED_180("upside down", false),
    TURNED_270("turned 90° anticlockwise", false),
    PHOTO("photo-like (1.5°, blur, uneven light, JPEG q 0.35)", false),
    TWO_COLUMNS("two columns", false);

    final String label;
    /** Part of the 36-page set the comparison with the CLI has always used. */
    final boolean core;

    PageVariant(String label, boolean core) {
        this.label = label;
        this.core = core;
    }
}
