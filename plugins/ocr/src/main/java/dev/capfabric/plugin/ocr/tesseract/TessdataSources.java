package dev.capfabric.plugin.ocr.tesseract;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Where traineddata files are looked for, in order of precedence: the folder configured as
 * {@code tessdata}, the folder named by {@code TESSDATA_PREFIX}, the folders distributions install
 * to, and last the {@code eng.traineddata} shipped inside the plugin. The first folder holding a
 * language wins.
 *
 * @param configured the operator's folder; when set it must exist and hold traineddata files
 * @param prefix     the folder from {@code TESSDATA_PREFIX}, used only if it exists
 * @param system     distribution folders, used when they exist
 * @param bundled    whether to use the {@code eng.traineddata} shipped with the plugin
 * @param dataDir    the provider's data folder, where the merged tessdata folder is built
 */
record TessdataSources(Optional<Path> configured, Optional<Path> prefix, List<Path> system, boolean bundled,
                       Path dataDir) {

    /** Folders that Debian/Ubuntu, Fedora, Homebrew, MacPorts and the Windows installer use. */
    static final List<Path> SYSTEM_FOLDERS = List.of(
            Path.of("/usr/share/tesseract-ocr/5/tessdata"),
            Path.of("/usr/share/tesseract-ocr/4.00/tessdata"),
            Path.of("/usr/share/tessdata"),
            Path.of("/usr/local/share/tessdata"),
            Path.of("/opt/homebrew/share/tessdata"),
            Path.of("/opt/local/share/tessdata"),
            Path.of("C:/Program Files/Tesseract-OCR/tessdata"));

    TessdataSources {
        requireNonNull(configured, "configured is null");
        requireNonNull(prefix, "prefix is null");
        system = List.copyOf(requireNonNull(system, "system is null"));
        requireNonNull(dataDir, "dataDir is null");
    }

    /** The sources for a provider's settings on this machine. */
    static TessdataSources of(TesseractSettings settings, Map<String, String> environment, Path dataDir) {
        Optional<Path> prefix = Optional.ofNullable(environment.get("TESSDATA_PREFIX"))
                .filter(value -> !value.isBlank())
                .map(Path::of);
        return new TessdataSources(settings.tessdata(), prefix,
                settings.systemTessdata() ? SYSTEM_FOLDERS : List.of(), settings.bundledTessdata(), dataDir);
    }

    /** The folders to scan, best first; the configured folder is included even if it does not exist. */
    List<Path> folders() {
        List<Path> folders = new ArrayList<>();
        configured.ifPresent(folders::add);
        // TESSDATA_PREFIX names the tessdata folder itself since Tesseract 4, its parent before
        prefix.ifPresent(folder -> {
            folders.add(folder);
            folders.add(folder.resolve("tessdata"));
        });
        folders.addAll(system);
        return folders;
    }
}
