package dev.capfabric.plugin.stt.pocketsphinx;

import dev.capfabric.plugin.stt.UnusableException;
import dev.capfabric.spi.Artifact;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * A pocketsphinx model found on disk: acoustic model folder, language model and pronunciation
 * dictionary, in the layout of the Debian package {@code pocketsphinx-en-us}
 * ({@code <dir>/<lang>/mdef}, {@code <dir>/<lang>.lm.bin}, {@code <dir>/cmudict-<lang>.dict}).
 *
 * @param language           the model's language tag, the name of its folder ({@code en-us})
 * @param acousticModel      the folder holding {@code mdef}, {@code means} and the rest
 * @param languageModel      the n-gram language model file
 * @param dictionary         the pronunciation dictionary
 */
record PocketsphinxModel(String language, Path acousticModel, Path languageModel, Path dictionary) {

    /** Where Debian's pocketsphinx-en-us puts its model. */
    static final Path DEBIAN_EN_US = Path.of("/usr/share/pocketsphinx/model/en-us");
    private static final List<String> ACOUSTIC_PARTS = List.of("mdef", "means", "variances", "transition_matrices",
            "noisedict");
    private static final List<String> SPHINX_BINARY_PARTS = List.of("means", "variances", "transition_matrices");
    private static final byte[] SPHINX_BINARY_HEADER = "s3\n".getBytes(StandardCharsets.US_ASCII);

    PocketsphinxModel {
        requireNonNull(language, "language is null");
        requireNonNull(acousticModel, "acousticModel is null");
        requireNonNull(languageModel, "languageModel is null");
        requireNonNull(dictionary, "dictionary is null");
    }

    /**
     * Finds the model in {@code modelDir}; each of the three parts can be named explicitly instead.
     *
     * @throws UnusableException naming the part that is missing
     */
    static PocketsphinxModel locate(Path modelDir, Optional<Path> acousticModel, Optional<Path> languageModel,
                                    Optional<Path> dictionary) throws UnusableException {
        if (!Files.isDirectory(modelDir) && (acousticModel.isEmpty() || languageModel.isEmpty() || dictionary.isEmpty())) {
            throw new UnusableException("pocketsphinx model folder not found: " + modelDir
                    + " (install the Debian package pocketsphinx-en-us or set 'model-dir')");
        }
        String language = modelDir.getFileName() == null ? "en-us" : modelDir.getFileName().toString();
        Path hmm = acousticModel.orElse(modelDir.resolve(language));
        if (!Files.isRegularFile(hmm.resolve("mdef"))) {
            throw new UnusableException("pocketsphinx acoustic model not found: no mdef in " + hmm);
        }
        requireAcousticParts(hmm);
        Path lm = languageModel.isPresent() ? languageModel.get()
                : firstExisting(modelDir.resolve(language + ".lm.bin"), modelDir.resolve(language + ".lm"),
                modelDir.resolve(language + ".lm.dmp"));
        if (!Files.isRegularFile(lm)) {
            throw new UnusableException("pocketsphinx language model not found: " + lm);
        }
        requireReadable(lm, "language model");
        Path dict = dictionary.orElse(modelDir.resolve("cmudict-" + language + ".dict"));
        if (!Files.isRegularFile(dict)) {
            throw new UnusableException("pocketsphinx dictionary not found: " + dict);
        }
        requireReadable(dict, "dictionary");
        return new PocketsphinxModel(language, hmm, lm, dict);
    }

    /**
     * The files every continuous acoustic model has, so that an incomplete copy is refused at creation
     * rather than on the first job, which is when the model is loaded.
     */
    private static void requireAcousticParts(Path hmm) throws UnusableException {
        for (String part : ACOUSTIC_PARTS) {
            Path file = hmm.resolve(part);
            if (!Files.isRegularFile(file)) {
                throw new UnusableException("pocketsphinx acoustic model incomplete: no " + part + " in " + hmm);
            }
            requireReadable(file, "acoustic model file");
        }
        for (String part : SPHINX_BINARY_PARTS) {
            requireSphinxBinary(hmm.resolve(part));
        }
        if (!Files.isRegularFile(hmm.resolve("sendump")) && !Files.isRegularFile(hmm.resolve("mixture_weights"))) {
            throw new UnusableException("pocketsphinx acoustic model incomplete: neither sendump nor mixture_weights in " + hmm);
        }
    }

    /**
     * sphinxbase ends the whole process, instead of failing the load, when one of these files turns out
     * not to be what it expects; checking the header at least keeps a file of something else from doing that.
     */
    private static void requireSphinxBinary(Path file) throws UnusableException {
        byte[] header = new byte[SPHINX_BINARY_HEADER.length];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(header, 0, header.length) != header.length || !Arrays.equals(header, SPHINX_BINARY_HEADER)) {
                throw new UnusableException("pocketsphinx acoustic model file is not a sphinx binary file: " + file);
            }
        } catch (IOException e) {
            throw new UnusableException("pocketsphinx acoustic model file cannot be read: " + file + " (" + e.getMessage() + ")", e);
        }
    }

    private static void requireReadable(Path file, String what) throws UnusableException {
        if (!Files.isReadable(file)) {
            throw new UnusableException("pocketsphinx " + what + " not readable by this process: " + file);
        }
    }

    private static Path firstExisting(Path first, Path... others) {
        return Stream.concat(Stream.of(first), Stream.of(others)).filter(Files::isRegularFile).findFirst().orElse(first);
    }

    /** The files this model consists of, for {@code /capabilities/installed}. */
    List<Artifact> artifacts() {
        return List.of(
                new Artifact("model", "pocketsphinx-" + language + "-acoustic", acousticModel.toString(), sizeOf(acousticModel)),
                new Artifact("model", "pocketsphinx-" + language + "-lm", languageModel.toString(), sizeOf(languageModel)),
                new Artifact("model", "pocketsphinx-" + language + "-dict", dictionary.toString(), sizeOf(dictionary)));
    }

    private static long sizeOf(Path path) {
        try (Stream<Path> files = Files.walk(path)) {
            return files.filter(Files::isRegularFile).mapToLong(file -> file.toFile().length()).sum();
        } catch (IOException e) {
            return -1;
        }
    }
}
