package dev.capfabric.plugin.stt.sphinx4;

import dev.capfabric.plugin.stt.UnusableException;
import edu.cmu.sphinx.api.Context;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The Sphinx4 XML configuration this provider runs with: Sphinx4's own default configuration, read
 * from its jar, with the changes below, written to the provider's data folder (Sphinx4 reads its
 * configuration from a URL).
 *
 * <p>Cepstral mean normalisation per speech segment ({@code batchCMN}) instead of a running mean
 * ({@code liveCMN}): the running mean carries over from one job to the next and starts from a guess
 * on an engine's first job, so the same audio gave different words depending on what the engine had
 * heard before. Per segment, each job is recognised on its own. (Measured on flite speech, the
 * running mean with history was slightly more accurate, one mean over the whole job without
 * segmentation less so; docs/ENGINES.md.)
 */
final class Sphinx4Setup {

    private static final String DEFAULT_CONFIG = "default.config.xml";
    private static final Map<String, String> CHANGES = Map.of(
            "<item>liveCMN </item>", "<item>batchCMN </item>");

    private Sphinx4Setup() {
    }

    /**
     * Writes the configuration into {@code folder} and returns its URL.
     *
     * @throws UnusableException when Sphinx4's default configuration is not the one these changes were made for
     */
    static String write(Path folder) throws UnusableException, IOException {
        String config;
        try (InputStream in = Context.class.getResourceAsStream(DEFAULT_CONFIG)) {
            if (in == null) {
                throw new UnusableException("Sphinx4's " + DEFAULT_CONFIG + " is missing from sphinx4-core");
            }
            config = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (Map.Entry<String, String> change : CHANGES.entrySet()) {
            if (!config.contains(change.getKey())) {
                throw new UnusableException("Sphinx4's " + DEFAULT_CONFIG + " lacks " + change.getKey()
                        + ": not the sphinx4-core 1.0.0 this provider was made for");
            }
            config = config.replace(change.getKey(), change.getValue());
        }
        // keeps the file name, so Sphinx4 names its logger as it always does ("default.config")
        Path file = Files.createDirectories(folder.resolve("sphinx4")).resolve(DEFAULT_CONFIG);
        Files.writeString(file, config);
        return file.toUri().toString();
    }
}
