package dev.capfabric.plugin.tts.engine;

import dev.capfabric.spi.CapabilityException;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Asks an engine about itself at provider creation (its version, its voices) and returns what it
 * printed, or why that failed.
 */
final class EngineQuery {

    /** The most an engine may take to list its voices. */
    static final Duration TIME_LIMIT = Duration.ofSeconds(15);

    private EngineQuery() {
    }

    /** The question could not be answered; the message says why. */
    static final class FailedException extends Exception {
        FailedException(String message) {
            super(message);
        }
    }

    /**
     * Runs {@code binary args...} and returns its console output.
     *
     * @throws FailedException when it cannot start, exits with a failure status, or takes longer than
     *                         {@link #TIME_LIMIT}
     */
    static String ask(String engine, Path binary, WorkFolder work, String... args) throws FailedException {
        return ask(engine, binary, work, false, args);
    }

    /**
     * Like {@link #ask(String, Path, WorkFolder, String...)}, for questions an engine answers with a
     * failure status all the same (flite exits with 1 after printing its version).
     */
    static String askAnyStatus(String engine, Path binary, WorkFolder work, String... args) throws FailedException {
        return ask(engine, binary, work, true, args);
    }

    private static String ask(String engine, Path binary, WorkFolder work, boolean anyStatus, String... args)
            throws FailedException {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(List.of(args));
        Path folder;
        try {
            folder = work.newJobFolder();
        } catch (IOException e) {
            throw new FailedException("cannot create a work folder: " + e.getMessage());
        }
        try {
            EngineProcess.Finished finished = new EngineProcess(engine, folder, Instant.now().plus(TIME_LIMIT), () -> false,
                    null, 0).run(command);
            if (finished.exitCode() != 0 && !anyStatus) {
                throw new FailedException("'" + String.join(" ", command) + "' failed (exit status " + finished.exitCode()
                        + "): " + finished.lastWords());
            }
            return finished.console();
        } catch (CapabilityException e) {
            throw new FailedException("'" + String.join(" ", command) + "': " + e.getMessage());
        } finally {
            WorkFolder.delete(folder);
        }
    }
}
