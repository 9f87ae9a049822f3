package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.plugin.ocr.config.ConfigReader;
import dev.capfabric.plugin.ocr.config.InvalidConfigException;
import dev.capfabric.plugin.ocr.document.DocumentLimits;
import dev.capfabric.plugin.ocr.image.ImageLimits;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The {@code tesseract} provider's configuration.
 *
 * <table>
 * <caption>keys under {@code providers.tesseract}</caption>
 * <tr><td>{@code tessdata}</td><td>a folder of traineddata files searched before all others</td></tr>
 * <tr><td>{@code system-tessdata}</td><td>search the distributions' folders (default true)</td></tr>
 * <tr><td>{@code bundled-tessdata}</td><td>use the eng.traineddata shipped in the plugin (default true)</td></tr>
 * <tr><td>{@code language}</td><td>language when a job names none (default {@code eng})</td></tr>
 * <tr><td>{@code psm}</td><td>page segmentation mode when a job names none (default 3, automatic, as the
 * CLI; 6, one uniform block, reads skewed single-column text far better)</td></tr>
 * <tr><td>{@code concurrency}</td><td>engines, hence jobs at once (default: available processors)</td></tr>
 * <tr><td>{@code idle-release-ms}</td><td>an engine unused this long is ended (default 10 minutes; 0 keeps engines)</td></tr>
 * <tr><td>{@code max-input-bytes}, {@code max-pixels}</td><td>image limits</td></tr>
 * <tr><td>{@code normalize-background}</td><td>even out the background of pages lit unevenly before reading
 * (default true; an evenly lit page is read as it came)</td></tr>
 * <tr><td>{@code deskew}</td><td>find and remove a page's skew before reading it (default true)</td></tr>
 * <tr><td>{@code orientation}</td><td>when a first reading is doubtful, detect whether the page lies sideways or
 * upside down, turn it upright and read it again (default true)</td></tr>
 * <tr><td>{@code max-pages}</td><td>pages at most in one PDF (default 500)</td></tr>
 * <tr><td>{@code pdf-dpi}</td><td>resolution PDF pages without a text layer are rendered at (default 300)</td></tr>
 * </table>
 */
record TesseractSettings(Optional<Path> tessdata, boolean systemTessdata, boolean bundledTessdata,
                         String defaultLanguage, int defaultPageSegmentation, int concurrency, Duration idleRelease,
                         ImageLimits limits, boolean normalizeBackground, boolean deskew, boolean orientation,
                         DocumentLimits documents) {

    TesseractSettings {
        requireNonNull(tessdata, "tessdata is null");
        requireNonNull(defaultLanguage, "defaultLanguage is null");
        requireNonNull(idleRelease, "idleRelease is null");
        requireNonNull(limits, "limits is null");
        requireNonNull(documents, "documents is null");
    }

    static TesseractSettings from(ConfigReader config) {
        return new TesseractSettings(
                config.string("tessdata").map(Path::of),
                config.flag("system-tessdata", true),
                config.flag("bundled-tessdata", true),
                config.string("language", "eng"),
                config.positiveInt("psm", PageSegmentation.DEFAULT),
                config.positiveInt("concurrency", Runtime.getRuntime().availableProcessors()),
                config.string("idle-release-ms").map(String::strip).filter("0"::equals).isPresent()
                        ? Duration.ZERO : config.millis("idle-release-ms", Duration.ofMinutes(10)),
                config.imageLimits(),
                config.flag("normalize-background", true),
                config.flag("deskew", true),
                config.flag("orientation", true),
                documentLimits(config));
    }

    private static DocumentLimits documentLimits(ConfigReader config) {
        int dpi = config.positiveInt("pdf-dpi", DocumentLimits.DEFAULT_DPI);
        if (dpi < 36 || dpi > 1200) {
            throw new InvalidConfigException("pdf-dpi must be from 36 to 1200, not " + dpi);
        }
        return new DocumentLimits(config.positiveInt("max-pages", DocumentLimits.DEFAULT_MAX_PAGES), dpi,
                config.imageLimits().maxPixels());
    }
}
