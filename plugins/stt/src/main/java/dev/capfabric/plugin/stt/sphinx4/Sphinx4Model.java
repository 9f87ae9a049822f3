package dev.capfabric.plugin.stt.sphinx4;

import dev.capfabric.plugin.stt.UnusableException;
import dev.capfabric.spi.Artifact;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Where the Sphinx4 model is, as the URL strings Sphinx4's configuration takes: by default the en-us
 * model inside the {@code sphinx4-data} jar, else a folder of the same layout.
 *
 * <p>Sphinx4's own {@code resource:} URLs resolve through {@code Class.getResource} of a class in
 * {@code sphinx4.core}, which in a named module only sees that module's own resources, never the
 * model in {@code sphinx4.data}. So the model is found here, through this plugin's class loader (all
 * of a plugin layer's modules share it) or, failing that, through the module layer's record of where
 * the {@code sphinx4.data} jar lies, and handed to Sphinx4 as {@code jar:} URLs.
 *
 * @param language      the model's language tag
 * @param acousticModel URL of the acoustic model folder
 * @param dictionary    URL of the pronunciation dictionary
 * @param languageModel URL of the n-gram language model
 * @param origin        where the model was found, for {@code /caps}
 */
record Sphinx4Model(String language, String acousticModel, String dictionary, String languageModel, String origin) {

    private static final String DATA_MODULE = "sphinx4.data";
    private static final String MODEL_ROOT = "edu/cmu/sphinx/models/en-us/";
    private static final String PROBE = MODEL_ROOT + "en-us/mdef";
    /** The acoustic model's files that every Sphinx4 continuous model has. */
    private static final List<String> ACOUSTIC_PARTS = List.of("mdef", "means", "variances", "transition_matrices",
            "noisedict");

    Sphinx4Model {
        requireNonNull(language, "language is null");
        requireNonNull(acousticModel, "acousticModel is null");
        requireNonNull(dictionary, "dictionary is null");
        requireNonNull(languageModel, "languageModel is null");
        requireNonNull(origin, "origin is null");
    }

    /** The en-us model shipped in the sphinx4-data jar beside this plugin. */
    static Sphinx4Model bundled() throws UnusableException {
        String root = bundledRoot().orElseThrow(() -> new UnusableException(
                "Sphinx4 model not found: the sphinx4-data jar is not in this plugin's module layer"));
        return new Sphinx4Model("en-us", root + "en-us", root + "cmudict-en-us.dict", root + "en-us.lm.bin",
                originOf(root));
    }

    /** A model in a folder laid out like the bundled one: {@code en-us/}, {@code en-us.lm.bin}, {@code cmudict-en-us.dict}. */
    static Sphinx4Model inFolder(Path folder) throws UnusableException {
        String language = folder.getFileName() == null ? "en-us" : folder.getFileName().toString();
        Path acoustic = folder.resolve(language);
        Path dictionary = folder.resolve("cmudict-" + language + ".dict");
        Path languageModel = folder.resolve(language + ".lm.bin");
        for (Path required : List.of(acoustic.resolve("mdef"), dictionary, languageModel)) {
            if (!Files.isRegularFile(required)) {
                throw new UnusableException("Sphinx4 model not found: missing " + required);
            }
        }
        return new Sphinx4Model(language, acoustic.toUri().toString(), dictionary.toUri().toString(),
                languageModel.toUri().toString(), folder.toString());
    }

    /**
     * Opens every file of the model, reading its first byte, so that a missing or unreadable part is
     * reported at creation; the model itself is loaded later, by the first job.
     *
     * @throws UnusableException naming the first part that cannot be read
     */
    void requireReadable() throws UnusableException {
        List<String> parts = new ArrayList<>(List.of(dictionary, languageModel));
        ACOUSTIC_PARTS.forEach(part -> parts.add(acousticModel + "/" + part));
        for (String part : parts) {
            try {
                URLConnection connection = URI.create(part).toURL().openConnection();
                // no cached JarFile left open behind the check
                connection.setUseCaches(false);
                try (InputStream in = connection.getInputStream()) {
                    if (in.read() < 0) {
                        throw new UnusableException("Sphinx4 model file is empty: " + part);
                    }
                }
            } catch (IOException | IllegalArgumentException e) {
                throw new UnusableException("Sphinx4 model file cannot be read: " + part + " (" + e.getMessage() + ")", e);
            }
        }
    }

    private static Optional<String> bundledRoot() {
        ClassLoader loader = Sphinx4Model.class.getClassLoader();
        URL probe = loader == null ? null : loader.getResource(PROBE);
        if (probe != null) {
            String url = probe.toString();
            return Optional.of(url.substring(0, url.length() - "en-us/mdef".length()));
        }
        ModuleLayer layer = Sphinx4Model.class.getModule().getLayer();
        return Optional.ofNullable(layer)
                .flatMap(found -> found.configuration().findModule(DATA_MODULE))
                .flatMap(module -> module.reference().location())
                .filter(location -> location.getScheme().equals("file") && location.getPath().endsWith(".jar"))
                .map(location -> "jar:" + location + "!/" + MODEL_ROOT);
    }

    /** The jar's path for a {@code jar:file:...!/} URL, else the URL itself. */
    private static String originOf(String root) {
        int separator = root.indexOf("!/");
        if (root.startsWith("jar:file:") && separator > 0) {
            try {
                return Path.of(URI.create(root.substring("jar:".length(), separator))).toString();
            } catch (IllegalArgumentException e) {
                return root;
            }
        }
        return root;
    }

    List<Artifact> artifacts() {
        return List.of(new Artifact("model", "sphinx4-" + language, origin, sizeOf(origin)));
    }

    private static long sizeOf(String origin) {
        try {
            Path path = Path.of(origin);
            return Files.isRegularFile(path) ? Files.size(path) : -1;
        } catch (Exception e) {
            return -1;
        }
    }
}
