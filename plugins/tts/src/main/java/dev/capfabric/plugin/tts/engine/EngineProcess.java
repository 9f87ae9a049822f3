package dev.capfabric.plugin.tts.engine;

import dev.capfabric.spi.CapabilityException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static java.util.Objects.requireNonNull;

/**
 * Runs one engine command to its end, or kills it: when the deadline passes, when the job is abandoned,
 * or when it writes more than it may. Its console output (stdout and stderr together) goes to a file in
 * the job's folder and comes back as text; its input is closed at once.
 *
 * @param engine        the engine's name, for messages
 * @param folder        the job's private folder, where the console file is written
 * @param deadline      when the engine is killed
 * @param abandoned     checked while waiting; true kills the engine
 * @param watched       a file the engine writes, whose size is bounded; null for none
 * @param maxWatchedBytes the bound on {@code watched}
 */
record EngineProcess(String engine, Path folder, Instant deadline, BooleanSupplier abandoned, Path watched, long maxWatchedBytes) {

    /** The most console output kept; an engine writing more is killed. */
    static final int MAX_CONSOLE_BYTES = 1 << 20;
    private static final long POLL_MILLIS = 20;

    EngineProcess {
        requireNonNull(engine, "engine is null");
        requireNonNull(folder, "folder is null");
        requireNonNull(deadline, "deadline is null");
        requireNonNull(abandoned, "abandoned is null");
    }

    /**
     * What the engine left behind.
     *
     * @param exitCode its exit status
     * @param console  what it printed, stdout and stderr interleaved
     */
    record Finished(int exitCode, String console) {

        /** The end of the console output, for error messages. */
        String lastWords() {
            String trimmed = console.strip();
            return trimmed.length() <= 400 ? trimmed : "..." + trimmed.substring(trimmed.length() - 400);
        }
    }

    /**
     * Runs the command and waits for it.
     *
     * @throws CapabilityException UNAVAILABLE when it cannot be started, TIMEOUT when killed at the
     *                             deadline or on abandonment, TOO_LARGE when killed for writing too much
     */
    Finished run(List<String> command) throws CapabilityException {
        Path console = folder.resolve("console.txt");
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .directory(folder.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(console.toFile())
                    .start();
            process.getOutputStream().close();
        } catch (IOException e) {
            throw CapabilityException.unavailable("cannot start " + engine + ": " + e.getMessage());
        }
        try {
            while (!process.waitFor(Math.min(POLL_MILLIS, Math.max(1, millisLeft())), TimeUnit.MILLISECONDS)) {
                if (millisLeft() <= 0) {
                    kill(process);
                    throw CapabilityException.timeout(engine + " did not finish before the deadline and was killed");
                }
                if (abandoned.getAsBoolean()) {
                    kill(process);
                    throw CapabilityException.timeout(engine + " was stopped: the job was abandoned");
                }
                checkSizes(process, console);
            }
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw CapabilityException.timeout(engine + " was stopped: the worker was interrupted");
        }
        checkSizes(process, console);
        return new Finished(process.exitValue(), read(console));
    }

    private void checkSizes(Process process, Path console) throws CapabilityException {
        if (watched != null && size(watched) > maxWatchedBytes) {
            kill(process);
            throw CapabilityException.tooLarge(engine + " produced more than " + maxWatchedBytes
                    + " bytes of audio (setting max-audio-bytes); send a shorter text");
        }
        if (size(console) > MAX_CONSOLE_BYTES) {
            kill(process);
            throw CapabilityException.internal(engine + " printed more than " + MAX_CONSOLE_BYTES + " bytes and was killed", null);
        }
    }

    private long millisLeft() {
        return Duration.between(Instant.now(), deadline).toMillis();
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            // the job's folder is deleted next: let the engine let go of its files first
            process.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0; // not written yet
        }
    }

    private static String read(Path console) {
        try {
            return Files.readString(console, StandardCharsets.UTF_8);
        } catch (IOException e) {
            // a non-UTF-8 message is still worth showing
            try {
                return new String(Files.readAllBytes(console), StandardCharsets.ISO_8859_1);
            } catch (IOException unreadable) {
                return "";
            }
        }
    }
}
