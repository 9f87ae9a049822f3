package dev.capfabric.kernel.cli;

import dev.capfabric.kernel.http.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where {@code capfabric snapshot} keeps the snapshots it takes and {@code capfabric preflight} finds
 * its default baseline, the newest of them: {@code $CAPFABRIC_SNAPSHOTS}, else
 * {@code ~/.capfabric/snapshots}. Files are named {@code snapshot-<UTC time>.json}, so the newest
 * sorts last.
 */
final class SnapshotFolder {

    private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("'snapshot-'yyyyMMdd'T'HHmmss.SSS'Z.json'")
            .withZone(ZoneOffset.UTC);

    private final Path folder;

    private SnapshotFolder(Path folder) {
        this.folder = folder;
    }

    static SnapshotFolder of(Map<String, String> env) {
        String named = env.get("CAPFABRIC_SNAPSHOTS");
        if (named != null && !named.isBlank()) {
            return new SnapshotFolder(FabricCommand.path(named.strip()));
        }
        return new SnapshotFolder(Path.of(System.getProperty("user.home"), ".capfabric", "snapshots"));
    }

    Path folder() {
        return folder;
    }

    /** Saves a snapshot as the newest; returns its file. */
    Path save(FleetSnapshot snapshot) {
        Path file = folder.resolve(NAME.format(Instant.parse(snapshot.takenAt())));
        write(file, snapshot);
        return file;
    }

    /** The newest snapshot saved here, if any. */
    Optional<Path> newest() {
        if (!Files.isDirectory(folder)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().matches("snapshot-.*\\.json")).max(Path::compareTo);
        } catch (IOException e) {
            throw new CliException("cannot list " + folder + ": " + e.getMessage());
        }
    }

    static void write(Path file, FleetSnapshot snapshot) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Path partial = file.resolveSibling("." + file.getFileName() + ".partial");
            Files.write(partial, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(snapshot));
            Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CliException("cannot write " + file + ": " + e.getMessage());
        }
    }

    static FleetSnapshot read(Path file) {
        try {
            if (Files.size(file) > NodeApi.MAX_JSON) {
                throw new CliException(file + " is too large to be a snapshot");
            }
            FleetSnapshot snapshot = Json.MAPPER.readValue(file.toFile(), FleetSnapshot.class);
            if (!FleetSnapshot.FORMAT.equals(snapshot.format())) {
                throw new CliException(file + " is not a capfabric snapshot (format '" + snapshot.format() + "')");
            }
            return snapshot;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new CliException("no baseline " + file);
        } catch (IOException e) {
            throw new CliException("cannot read snapshot " + file + ": " + e.getMessage());
        }
    }
}
