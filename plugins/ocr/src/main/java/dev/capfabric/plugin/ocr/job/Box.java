package dev.capfabric.plugin.ocr.job;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a piece of text sits in the input image, in pixels from the top-left corner.
 *
 * @param x left edge
 * @param y top edge
 * @param w width
 * @param h height
 */
public record Box(int x, int y, int w, int h) {

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("x", x);
        json.put("y", y);
        json.put("w", w);
        json.put("h", h);
        return json;
    }
}
