package dev.capfabric.kernel.plugins;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * One plugin as found in the plugins folder: a jar, or a folder of jars (the plugin and its private
 * dependencies). The fingerprint changes whenever a jar is added, removed, resized or rewritten.
 *
 * @param name        the file name without {@code .jar}, or the folder name
 * @param path        the jar or folder
 * @param jars        the jars that make up the plugin
 * @param fingerprint sizes and modification times of the jars
 */
record PluginEntry(String name, Path path, List<Path> jars, String fingerprint) {

    PluginEntry {
        requireNonNull(name, "name is null");
        requireNonNull(path, "path is null");
        jars = List.copyOf(jars);
        requireNonNull(fingerprint, "fingerprint is null");
    }

    /** The plugins in {@code folder}, sorted by name; an absent folder holds none. */
    static List<PluginEntry> scan(Path folder) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        List<PluginEntry> entries = new ArrayList<>();
        try (Stream<Path> children = Files.list(folder)) {
            for (Path child : children.sorted().toList()) {
                String fileName = child.getFileName().toString();
                if (fileName.startsWith(".")) {
                    continue;
                }
                if (Files.isDirectory(child)) {
                    List<Path> jars = jarsIn(child);
                    entries.add(new PluginEntry(fileName, child, jars, fingerprint(jars)));
                } else if (fileName.endsWith(".jar") && Files.isRegularFile(child)) {
                    entries.add(new PluginEntry(fileName.substring(0, fileName.length() - 4), child,
                            List.of(child), fingerprint(List.of(child))));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list plugins folder " + folder, e);
        }
        return entries;
    }

    private static List<Path> jarsIn(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".jar") && Files.isRegularFile(f)).sorted().toList();
        }
    }

    private static String fingerprint(List<Path> jars) {
        StringBuilder fingerprint = new StringBuilder();
        for (Path jar : jars) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(jar, BasicFileAttributes.class);
                fingerprint.append(jar.getFileName()).append(':').append(attributes.size()).append(':')
                        .append(attributes.lastModifiedTime().toMillis()).append(';');
            } catch (IOException e) {
                // vanished between list and stat: a different fingerprint makes the next poll look again
                fingerprint.append(jar.getFileName()).append(":gone;");
            }
        }
        return fingerprint.toString();
    }
}
