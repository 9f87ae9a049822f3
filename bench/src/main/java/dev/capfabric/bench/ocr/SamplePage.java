package dev.capfabric.bench.ocr;

import java.util.List;

/**
 * One image of the measurement: the text it shows, how it was drawn, and its PNG encoding.
 *
 * @param lines   the text as drawn, one entry per line: the ground truth
 * @param font    the Java2D logical font name
 * @param sizePx  the font size in pixels
 * @param variant how the page was degraded
 * @param png     the image as PNG
 */
record SamplePage(List<String> lines, String font, int sizePx, PageVariant variant, byte[] png) {

    String truth() {
        return String.join("\n", lines);
    }
}
