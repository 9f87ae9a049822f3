package dev.capfabric.plugin.ocr.image;

import java.util.Arrays;
import java.util.List;

/**
 * The image formats the OCR providers take, recognised by their leading bytes rather than by the
 * request's Content-Type, which callers often leave as {@code application/octet-stream}.
 */
public enum ImageFormat {
    PNG("image/png"),
    JPEG("image/jpeg"),
    TIFF("image/tiff"),
    BMP("image/bmp"),
    WEBP("image/webp");

    private final String mediaType;

    ImageFormat(String mediaType) {
        this.mediaType = mediaType;
    }

    /** The media type of this format, such as {@code image/png}. */
    public String mediaType() {
        return mediaType;
    }

    /** The media types of every format, for a provider's {@code accepts} list. */
    public static List<String> mediaTypes() {
        return Arrays.stream(values()).map(ImageFormat::mediaType).toList();
    }
}
