package dev.capfabric.plugin.tts.engine;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * Where a system engine's executable is: the path configured with {@code binary}, or the default name
 * looked up on {@code PATH} like a shell would.
 */
public final class EngineBinary {

    private EngineBinary() {
    }

    /**
     * The executable, or the reason there is none.
     *
     * @param configured  the {@code binary} setting: a path, or a bare name to look up on {@code PATH}
     * @param debianPackage the Debian package that installs it, for the reason
     */
    public static Lookup locate(String configured, String debianPackage) {
        requireNonNull(configured, "configured is null");
        if (configured.contains(File.separator) || configured.contains("/")) {
            Path path;
            try {
                path = Path.of(configured);
            } catch (InvalidPathException e) {
                return new Lookup.Missing("binary '" + configured + "' is not a valid path: " + e.getReason());
            }
            return runnable(path) ? new Lookup.Found(path.toAbsolutePath())
                    : new Lookup.Missing(configured + " is not an executable file (setting binary); install the Debian package "
                            + debianPackage + " or point binary at the engine");
        }
        List<String> searched = new ArrayList<>();
        String pathVariable = System.getenv().getOrDefault("PATH", "");
        for (String folder : pathVariable.split(File.pathSeparator)) {
            if (folder.isBlank()) {
                continue;
            }
            searched.add(folder);
            try {
                Path candidate = Path.of(folder, configured);
                if (runnable(candidate)) {
                    return new Lookup.Found(candidate.toAbsolutePath());
                }
            } catch (InvalidPathException e) {
                // a malformed PATH entry cannot hold the engine
            }
        }
        return new Lookup.Missing(configured + " is not installed: not found on PATH (" + String.join(File.pathSeparator, searched)
                + "); install the Debian package " + debianPackage + ", or set binary to its path");
    }

    /** Whether the file is still there and executable, for health checks. */
    public static boolean runnable(Path path) {
        return Files.isRegularFile(path) && Files.isExecutable(path);
    }

    /** The outcome of {@link #locate}. */
    public sealed interface Lookup {
        /** The engine's executable. */
        record Found(Path path) implements Lookup {
        }

        /** No engine, and why. */
        record Missing(String reason) implements Lookup {
        }
    }
}
