package dev.capfabric.plugin.tts.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A shell script that answers {@code --version} and {@code -lv} like flite and then misbehaves when
 * asked to speak, in one of the ways a real engine can: hang, write without end, fail, or write garbage.
 * It records its process id so a test can check it was killed.
 */
record FakeFlite(Path script, Path pidFile) {

    /** A fake whose speaking part is {@code body}; {@code $out} is the WAV path it was given. */
    static FakeFlite speakingWith(String body) {
        try {
            Path folder = Files.createTempDirectory("fake-flite-");
            Path pidFile = folder.resolve("pid");
            Path script = folder.resolve("flite");
            Files.writeString(script, """
                    #!/bin/sh
                    case "$1" in
                      --version) echo "  version: flite-fake"; exit 0 ;;
                      -lv) echo "Voices available: slt kal"; exit 0 ;;
                    esac
                    out=""
                    while [ $# -gt 0 ]; do
                      if [ "$1" = "-o" ]; then out="$2"; fi
                      shift
                    done
                    echo $$ > "%s"
                    %s
                    """.formatted(pidFile, body));
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            return new FakeFlite(script, pidFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The process id the script recorded when it was asked to speak. */
    long pid() throws IOException {
        return Long.parseLong(Files.readString(pidFile).strip());
    }
}
