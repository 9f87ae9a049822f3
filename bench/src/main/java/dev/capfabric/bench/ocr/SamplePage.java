package dev.capfabric.bench.ocr;

import java.util.List;

/**
 * One image of the measurement: the text it shows, how it was drawn, and its encoding (PNG, or JPEG
 * for the photo-like variant).
 *
 * @param lines   the text as drawn, one entry per line: the ground truth
 * @param font    the Java2D logical font name
 * @param sizePx  the font size in pixels
 * @param variant how the page was degraded
 * @param encoded the image as PNG or JPEG
 */
record SamplePage(List<String> lines, String font, int sizePx, PageVariant variant, byte[] encoded) {

    String mediaType() {
        return encoded.length > 1 && (encoded[0] & 0xff) == 0xff && (encoded[1] & 0xff) == 0xd8 ? "image/jpeg" : "image/png";
    }

    String truth() {
        return String.join("\n", lines);
    }
}
