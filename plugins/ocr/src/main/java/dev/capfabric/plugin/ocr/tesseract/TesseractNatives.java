package dev.capfabric.plugin.ocr.tesseract;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.leptonica.global.leptonica;
import org.bytedeco.tesseract.TessBaseAPI;

import java.util.Optional;

/**
 * Loads the Tesseract and Leptonica native libraries that ship in the plugin's platform jars.
 * JavaCPP extracts them from the jars (found through the plugin's own class loader, so this works
 * in a child module layer) into its cache folder and loads them.
 */
final class TesseractNatives {

    private TesseractNatives() {
    }

    /** Loads the natives; empty when they loaded, else why they cannot be used on this machine. */
    static Optional<String> load() {
        String platform = "this platform";
        try {
            platform = Loader.getPlatform();
            Loader.load(org.bytedeco.tesseract.global.tesseract.class);
            // the provider reports decoding errors itself; Leptonica would also print each one to stderr
            leptonica.setMsgSeverity(leptonica.L_SEVERITY_NONE);
            return Optional.empty();
        } catch (Throwable unloadable) {
            // LinkageError when the platform jar is absent or does not match; anything else is as fatal here
            return Optional.of("the Tesseract native libraries for " + platform + " could not be loaded ("
                    + unloadable + "); the plugin ships natives for the platform it was built for, "
                    + "and its platform jars (org.bytedeco.*." + platform.replace('-', '.')
                    + ") must be resolved in the plugin's module layer");
        }
    }

    /** The version of the loaded Tesseract library, such as {@code 5.5.2}. */
    static String version() {
        BytePointer version = TessBaseAPI.Version();
        return version == null ? "unknown" : version.getString();
    }
}
