package dev.capfabric.bench.ocr;

/** How a rendered page is degraded before recognition. */
enum PageVariant {
    CLEAN("clean"),
    ROTATED_PLUS_3("rotated +3°"),
    ROTATED_MINUS_3("rotated −3°"),
    NOISY("noisy (σ 40 + 0.5% speckle)");

    final String label;

    PageVariant(String label) {
        this.label = label;
    }
}
