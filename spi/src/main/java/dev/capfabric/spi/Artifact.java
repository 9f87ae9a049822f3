package dev.capfabric.spi;

import static java.util.Objects.requireNonNull;

/**
 * A file a provider found on disk and uses: a model, a voice, language data. Listed by the kernel
 * on {@code /capabilities/installed} so an operator sees what a node actually holds.
 *
 * @param kind  what it is: {@code model}, {@code voice}, {@code language}, or another lowercase word
 * @param name  the name it is known by, such as {@code eng} or {@code en-us}
 * @param path  where it was found (a file or folder path, or a {@code jar:} location)
 * @param bytes its size in bytes, or -1 when unknown
 */
public record Artifact(String kind, String name, String path, long bytes) {

    public Artifact {
        requireNonNull(kind, "kind is null");
        requireNonNull(name, "name is null");
        requireNonNull(path, "path is null");
    }
}
