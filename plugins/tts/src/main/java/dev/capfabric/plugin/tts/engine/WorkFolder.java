package dev.capfabric.plugin.tts.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * The folder where a command-line engine's jobs exchange files with it: one private sub-folder per job
 * (text in, WAV out, console), deleted when the job ends. Leftovers of a crashed node are cleared when
 * the provider starts.
 */
final class WorkFolder {

    private final Path root;

    private WorkFolder(Path root) {
        this.root = root;
    }

    /** The work folder under a provider's data folder, emptied. */
    static WorkFolder under(Path dataDir) throws IOException {
        Path root = requireNonNull(dataDir, "dataDir is null").resolve("work");
        Files.createDirectories(root);
        try (Stream<Path> leftovers = Files.list(root)) {
            for (Path leftover : leftovers.toList()) {
                delete(leftover);
            }
        }
        return new WorkFolder(root);
    }

    /** A new, empty folder for one job or one engine call. */
    Path newJobFolder() throws IOException {
        return Files.createTempDirectory(root, "job-");
    }

    /** Deletes a job's folder and everything in it; what cannot be deleted is left for the next start. */
    static void delete(Path folder) {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            // a file still held open by a killed engine: cleared at the next start
        }
    }
}
