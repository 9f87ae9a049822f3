package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.spi.Artifact;

import java.nio.file.Path;

import static java.util.Objects.requireNonNull;

/**
 * One traineddata file found for a language.
 *
 * @param language the language code, the file name without {@code .traineddata}
 * @param source   the file; for the bundled copy, where it was extracted from the plugin jar
 * @param bytes    its size
 * @param bundled  whether it is the copy shipped inside the plugin
 */
record TrainedData(String language, Path source, long bytes, boolean bundled) {

    static final String SUFFIX = ".traineddata";
    /** Orientation and script detection data: not a language, but needed by page segmentation mode 1. */
    static final String OSD = "osd";

    TrainedData {
        requireNonNull(language, "language is null");
        requireNonNull(source, "source is null");
    }

    Artifact artifact() {
        return new Artifact("language", language, source.toString(), bytes);
    }
}
