package dev.capfabric.kernel.http;

import dev.capfabric.kernel.plugins.Inventory;
import dev.capfabric.kernel.plugins.PluginHost;
import dev.capfabric.kernel.plugins.PluginJar;
import dev.capfabric.kernel.plugins.ProviderSlot;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * {@code GET /capabilities/installed}: what the node holds on disk — plugin jars with versions and
 * checksums, the artifacts providers report using (models, voices, language data), and the files
 * under the configured scan paths.
 */
public final class InstalledService implements HttpService {

    /** Bounds the listing of one scan path, so a scan path pointed at {@code /} cannot stall the node. */
    static final int MAX_FILES_PER_PATH = 1000;
    static final int MAX_DEPTH = 4;

    /**
     * The response.
     *
     * @param nodeId    this node
     * @param plugins   plugin jars
     * @param artifacts files providers use
     * @param scanned   files under the scan paths
     */
    public record Installed(String nodeId, List<PluginJar> plugins, List<ProviderArtifact> artifacts, List<ScanPath> scanned) {
    }

    /**
     * A file a provider uses.
     *
     * @param provider the provider id
     * @param kind     model, voice, language ...
     * @param name     its name
     * @param path     where it is
     * @param bytes    its size, -1 when unknown
     */
    public record ProviderArtifact(String provider, String kind, String name, String path, long bytes) {
    }

    /**
     * One scan path.
     *
     * @param path      the folder
     * @param exists    whether it exists
     * @param files     the files found, at most {@value #MAX_FILES_PER_PATH}
     * @param truncated whether more files were there
     */
    public record ScanPath(String path, boolean exists, List<ScannedFile> files, boolean truncated) {
    }

    /**
     * A file under a scan path.
     *
     * @param path  its path
     * @param bytes its size
     */
    public record ScannedFile(String path, long bytes) {
    }

    private final String nodeId;
    private final PluginHost plugins;
    private final List<Path> scanPaths;

    public InstalledService(String nodeId, PluginHost plugins, List<Path> scanPaths) {
        this.nodeId = requireNonNull(nodeId, "nodeId is null");
        this.plugins = requireNonNull(plugins, "plugins is null");
        this.scanPaths = List.copyOf(scanPaths);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", (request, response) -> Json.send(request, response, Status.OK_200, installed()));
    }

    Installed installed() {
        Inventory inventory = plugins.inventory();
        List<ProviderArtifact> artifacts = new ArrayList<>();
        for (ProviderSlot slot : inventory.providers()) {
            slot.description().ifPresent(d -> d.artifacts().forEach(a ->
                    artifacts.add(new ProviderArtifact(slot.id(), a.kind(), a.name(), a.path(), a.bytes()))));
        }
        return new Installed(nodeId, inventory.jars(), artifacts, scanPaths.stream().map(InstalledService::scan).toList());
    }

    private static ScanPath scan(Path root) {
        if (!Files.isDirectory(root)) {
            return new ScanPath(root.toString(), Files.exists(root), List.of(), false);
        }
        List<ScannedFile> files = new ArrayList<>();
        boolean truncated = false;
        try (Stream<Path> walk = Files.walk(root, MAX_DEPTH, EnumSet.noneOf(FileVisitOption.class).toArray(FileVisitOption[]::new))) {
            for (Path file : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                if (files.size() == MAX_FILES_PER_PATH) {
                    truncated = true;
                    break;
                }
                files.add(new ScannedFile(file.toString(), size(file)));
            }
        } catch (IOException | RuntimeException e) {
            truncated = true; // unreadable sub-folder: list what was readable
        }
        return new ScanPath(root.toString(), true, files, truncated);
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }
}
