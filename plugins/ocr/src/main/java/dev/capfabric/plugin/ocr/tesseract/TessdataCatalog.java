package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.plugin.ocr.config.InvalidConfigException;
import dev.capfabric.spi.Artifact;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The traineddata files this node has, gathered into one folder that Tesseract can be pointed at.
 *
 * <p>Tesseract takes a single data path, yet languages can come from several folders (the
 * operator's, the distribution's, the plugin's own {@code eng}). So the catalog builds
 * {@code <dataDir>/tessdata} holding, per language, a symbolic link to the winning file (a copy
 * where links cannot be made), and the bundled {@code eng.traineddata} extracted from the plugin jar.
 */
final class TessdataCatalog {

    static final String BUNDLED_ENG = "tessdata/eng.traineddata";

    private final Path folder;
    private final Map<String, TrainedData> trainedData;
    private final List<Path> searched;

    private TessdataCatalog(Path folder, Map<String, TrainedData> trainedData, List<Path> searched) {
        this.folder = folder;
        this.trainedData = Map.copyOf(trainedData);
        this.searched = List.copyOf(searched);
    }

    /**
     * Finds the traineddata files and builds the merged folder.
     *
     * @throws InvalidConfigException when the configured {@code tessdata} folder is missing or holds
     *                                no traineddata file
     * @throws IOException            when the merged folder cannot be written
     */
    static TessdataCatalog assemble(TessdataSources sources) throws IOException {
        requireNonNull(sources, "sources is null");
        sources.configured().ifPresent(TessdataCatalog::requireUsableFolder);
        Map<String, TrainedData> found = new LinkedHashMap<>();
        List<Path> searched = new ArrayList<>();
        for (Path folder : sources.folders()) {
            if (Files.isDirectory(folder)) {
                searched.add(folder);
                for (TrainedData data : scan(folder)) {
                    found.putIfAbsent(data.language(), data);
                }
            }
        }
        Path merged = sources.dataDir().resolve("tessdata");
        if (sources.bundled() && !found.containsKey("eng")) {
            Path extracted = extractBundledEng(sources.dataDir().resolve("bundled-tessdata"));
            found.put("eng", new TrainedData("eng", extracted, Files.size(extracted), true));
            searched.add(extracted.getParent());
        }
        rebuild(merged, found.values());
        return new TessdataCatalog(merged, found, searched);
    }

    /** The folder to give Tesseract as its data path. */
    Path folder() {
        return folder;
    }

    /** The languages that can be recognised, sorted; {@code osd} is not one. */
    List<String> languages() {
        return trainedData.keySet().stream().filter(name -> !name.equals(TrainedData.OSD)).sorted().toList();
    }

    /** Whether orientation and script detection data is installed. */
    boolean hasOsd() {
        return trainedData.containsKey(TrainedData.OSD);
    }

    /** The first code of a {@code +}-joined language request that has no traineddata here, if any. */
    Optional<String> firstMissing(String languages) {
        return Arrays.stream(languages.split("\\+"))
                .filter(code -> code.equals(TrainedData.OSD) || !trainedData.containsKey(code))
                .findFirst();
    }

    /** Every traineddata file in use, for {@code /capabilities/installed}. */
    List<Artifact> artifacts() {
        return trainedData.values().stream()
                .sorted((a, b) -> a.language().compareTo(b.language()))
                .map(TrainedData::artifact)
                .toList();
    }

    /** The folders that held traineddata, best first, for messages. */
    List<Path> searched() {
        return searched;
    }

    private static void requireUsableFolder(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new InvalidConfigException("tessdata folder " + folder + " does not exist or is not a folder");
        }
        try {
            if (scan(folder).isEmpty()) {
                throw new InvalidConfigException("tessdata folder " + folder + " holds no *.traineddata file");
            }
        } catch (IOException unreadable) {
            throw new InvalidConfigException("tessdata folder " + folder + " cannot be read: " + unreadable.getMessage());
        }
    }

    private static List<TrainedData> scan(Path folder) throws IOException {
        List<TrainedData> found = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*" + TrainedData.SUFFIX)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                String language = name.substring(0, name.length() - TrainedData.SUFFIX.length());
                if (!language.isEmpty() && Files.isRegularFile(file) && Files.isReadable(file)) {
                    found.add(new TrainedData(language, file.toAbsolutePath(), Files.size(file), false));
                }
            }
        }
        return found;
    }

    private static Path extractBundledEng(Path folder) throws IOException {
        byte[] bundled;
        try (InputStream in = TessdataCatalog.class.getResourceAsStream(BUNDLED_ENG)) {
            if (in == null) {
                throw new IOException("the plugin jar lacks " + BUNDLED_ENG + " (was it built without the traineddata step?)");
            }
            bundled = in.readAllBytes();
        }
        Path target = folder.resolve("eng" + TrainedData.SUFFIX);
        if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), bundled)) {
            return target;
        }
        Files.createDirectories(folder);
        Path partial = Files.createTempFile(folder, "eng", ".partial");
        Files.write(partial, bundled);
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    private static void rebuild(Path merged, Iterable<TrainedData> winners) throws IOException {
        Files.createDirectories(merged);
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(merged, "*" + TrainedData.SUFFIX)) {
            for (Path entry : stale) {
                Files.delete(entry);
            }
        }
        for (TrainedData data : winners) {
            Path entry = merged.resolve(data.language() + TrainedData.SUFFIX);
            try {
                Files.createSymbolicLink(entry, data.source());
            } catch (UnsupportedOperationException | IOException noLinks) {
                Files.copy(data.source(), entry, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
