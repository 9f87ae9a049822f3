package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.plugins.Inventory;
import dev.capfabric.kernel.plugins.PluginHost;
import dev.capfabric.kernel.plugins.PluginJar;
import dev.capfabric.kernel.plugins.PluginReport;
import dev.capfabric.kernel.plugins.ProviderSlot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipException;

import static java.util.Objects.requireNonNull;

/**
 * Installs and removes plugins in the node's plugins folder on behalf of the admin subjects, and
 * answers once the plugin host has acted on the change.
 *
 * <p>An installed jar gets a plain file name, is checked to be a readable jar, and appears in the
 * folder whole: it is written under a hidden name (which the plugin host ignores) and moved into
 * place. A removed plugin leaves the folder in one step too: it is moved to a hidden name, then
 * deleted. One change runs at a time.
 */
final class PluginInstaller {

    /** A plain jar file name: no path separators, no leading dot, nothing that is not a file name character. */
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}\\.jar");
    private static final Pattern PLUGIN_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final long LOOK_EVERY_MS = 50;

    private final String nodeId;
    private final PluginHost plugins;
    private final Path folder;
    private final long maxJarBytes;
    private final Duration timeout;
    private final String configDigest;
    private final ReentrantLock changing = new ReentrantLock();

    /**
     * @param maxJarBytes the largest jar accepted; 0 leaves the bound to the caller's max payload
     * @param timeout     how long a change waits for the plugin host
     * @param configDigest the node's configuration digest, listed with its plugins
     */
    PluginInstaller(String nodeId, PluginHost plugins, Path folder, long maxJarBytes, Duration timeout, String configDigest) {
        this.nodeId = requireNonNull(nodeId, "nodeId is null");
        this.configDigest = requireNonNull(configDigest, "configDigest is null");
        this.plugins = requireNonNull(plugins, "plugins is null");
        this.folder = requireNonNull(folder, "folder is null");
        this.maxJarBytes = maxJarBytes;
        this.timeout = requireNonNull(timeout, "timeout is null");
    }

    /** Every plugin with its providers. */
    AdminReply.Plugins list() {
        Inventory inventory = plugins.inventory();
        return new AdminReply.Plugins(nodeId, inventory.plugins().stream().map(report -> plugin(report, inventory)).toList(),
                inventory.jars(), configDigest);
    }

    private static AdminReply.Plugin plugin(PluginReport report, Inventory inventory) {
        return new AdminReply.Plugin(report.name(), report.file(), report.status(), report.error(), report.modules(),
                inventory.providers().stream().filter(slot -> slot.plugin().equals(report.name())).map(ProviderSlot::report).toList());
    }

    /**
     * Writes {@code jar} into the plugins folder as {@code fileName} and waits until the plugin host
     * has loaded it; a plugin of that name is replaced.
     *
     * @param maxPayload the connection's max payload: no jar above it can have arrived whole anyway
     * @throws AdminException with kind {@code bad_input}, {@code too_large}, {@code conflict},
     *                        {@code load_failed}, {@code timeout}, {@code busy} or {@code internal}
     */
    AdminReply.Change install(String fileName, byte[] jar, long maxPayload) throws AdminException, InterruptedException {
        return install(fileName, jar, maxPayload, Progress.NONE);
    }

    /** Hears how an install goes: {@code verified} once the jar reads back whole, then {@code loaded}. */
    @FunctionalInterface
    interface Progress {
        Progress NONE = (stage, message) -> { };

        void stage(String stage, String message);
    }

    /**
     * Checks that {@code fileName} is a plain jar file name an install takes.
     *
     * @throws AdminException with kind {@code bad_input}
     */
    static void checkFileName(String fileName) throws AdminException {
        if (fileName == null || fileName.isBlank()) {
            throw new AdminException("bad_input", "name the jar in header " + AdminServer.FILE_HEADER + " (for example ocr-tesseract.jar)");
        }
        if (!FILE_NAME.matcher(fileName).matches()) {
            throw new AdminException("bad_input", "'" + fileName + "' is not a plain jar file name: letters, digits, '.', '_' and '-', "
                    + "ending in .jar, at most 100 characters, no path separators and no leading dot");
        }
    }

    /**
     * As {@link #install(String, byte[], long)}, telling {@code progress} each step. A replacement that
     * fails to load (its layer or every factory refuses) is rolled back: the previous jar goes back in
     * place, is loaded again, and the answer is {@code load_failed} saying so.
     */
    AdminReply.Change install(String fileName, byte[] jar, long maxPayload, Progress progress) throws AdminException, InterruptedException {
        checkFileName(fileName);
        long limit = maxJarBytes > 0 ? Math.min(maxJarBytes, maxPayload) : maxPayload;
        if (jar == null || jar.length == 0) {
            throw new AdminException("bad_input", "the request body is empty: send the jar's bytes as the body");
        }
        if (jar.length > limit) {
            throw new AdminException("too_large", "the jar is " + jar.length + " bytes; this node takes jars of at most " + limit
                    + " bytes over NATS (fabric.admin.max-jar-bytes, bounded by the NATS max payload): copy larger ones into "
                    + "the plugins folder");
        }
        String name = fileName.substring(0, fileName.length() - ".jar".length());
        locked();
        try {
            if (Files.isDirectory(folder.resolve(name))) {
                throw new AdminException("conflict", "plugin '" + name + "' is a folder of jars; replace it in the plugins folder itself");
            }
            Inventory before = plugins.inventory();
            boolean replacing = before.plugins().stream().anyMatch(p -> p.name().equals(name));
            Path target = folder.resolve(fileName);
            // the jar it replaces, kept aside until the new one has loaded: a failed replacement goes back to it
            Optional<String> previousSha = before.jars().stream().filter(j -> j.plugin().equals(name) && j.file().equals(fileName))
                    .map(PluginJar::sha256).findFirst();
            Path previous = folder.resolve("." + fileName + ".previous-" + UUID.randomUUID());
            Path upload = write(fileName, jar);
            try {
                checkJar(upload);
                progress.stage("verified", "the jar reads back whole (" + jar.length + " bytes)");
                if (previousSha.isPresent() && Files.isRegularFile(target)) {
                    Files.copy(target, previous, StandardCopyOption.REPLACE_EXISTING);
                }
                move(upload, target);
                String sha256 = sha256(jar);
                Inventory loaded = await(inventory -> inventory.jars().stream().anyMatch(j -> isIt(j, name, sha256))
                        && report(inventory, name).isPresent(), "load plugin '" + name + "'");
                AdminReply.Plugin plugin = plugin(report(loaded, name).orElseThrow(), loaded);
                if ("failed".equals(plugin.status())) {
                    if (Files.isRegularFile(previous)) {
                        move(previous, target);
                        String back = previousSha.orElseThrow();
                        await(inventory -> inventory.jars().stream().anyMatch(j -> isIt(j, name, back))
                                && report(inventory, name).isPresent(), "load the previous jar of plugin '" + name + "' again");
                        throw new AdminException("load_failed", "plugin '" + name + "' failed to load: " + plugin.error()
                                + " (rolled back to the previous jar, sha256 " + back + ")");
                    }
                    throw new AdminException("load_failed", "plugin '" + name + "' was written to the plugins folder but failed to load: "
                            + plugin.error() + " (it stays listed as failed until removed)");
                }
                progress.stage("loaded", replacing ? "replaced" : "installed");
                return new AdminReply.Change(nodeId, replacing ? "replaced" : "installed", plugin);
            } finally {
                Files.deleteIfExists(upload);
                Files.deleteIfExists(previous);
            }
        } catch (IOException e) {
            throw new AdminException("internal", "cannot write " + fileName + " into " + folder + ": " + e.getMessage());
        } finally {
            changing.unlock();
        }
    }

    /**
     * Takes the plugin {@code name} out of the plugins folder and waits until the plugin host has
     * unloaded it; its running jobs still finish.
     *
     * @throws AdminException with kind {@code bad_input}, {@code not_found}, {@code timeout}, {@code busy} or {@code internal}
     */
    AdminReply.Change remove(String name) throws AdminException, InterruptedException {
        if (name == null || !PLUGIN_NAME.matcher(name).matches()) {
            throw new AdminException("bad_input", "'" + name + "' is not a plugin name: send {\"name\": \"<plugin>\"} as listed by plugins");
        }
        locked();
        try {
            Inventory inventory = plugins.inventory();
            PluginReport report = report(inventory, name).orElseThrow(() ->
                    new AdminException("not_found", "no plugin '" + name + "' on node " + nodeId));
            if (!FILE_NAME.matcher(report.file()).matches() && !PLUGIN_NAME.matcher(report.file()).matches()) {
                throw new AdminException("conflict", "plugin '" + name + "' lives at '" + report.file() + "': remove it by hand");
            }
            AdminReply.Plugin before = plugin(report, inventory);
            Path target = folder.resolve(report.file());
            if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Path hidden = folder.resolve("." + report.file() + ".removing-" + UUID.randomUUID());
                move(target, hidden);
                deleteTree(hidden);
            }
            await(now -> report(now, name).isEmpty(), "unload plugin '" + name + "'");
            return new AdminReply.Change(nodeId, "removed", before);
        } catch (IOException e) {
            throw new AdminException("internal", "cannot remove plugin '" + name + "' from " + folder + ": " + e.getMessage());
        } finally {
            changing.unlock();
        }
    }

    private void locked() throws AdminException, InterruptedException {
        if (!changing.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AdminException("busy", "another install or remove is still running on node " + nodeId);
        }
    }

    private Path write(String fileName, byte[] jar) throws IOException {
        Files.createDirectories(folder);
        // a hidden name: the plugin host skips it, so it never sees a half-written jar
        Path upload = folder.resolve("." + fileName + ".upload-" + UUID.randomUUID());
        Files.write(upload, jar);
        return upload;
    }

    /** Refuses anything that is not a jar whose every entry reads back intact. */
    private static void checkJar(Path upload) throws AdminException {
        try (JarFile jar = new JarFile(upload.toFile(), true)) {
            int classes = 0;
            byte[] buffer = new byte[8192];
            for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
                JarEntry entry = entries.nextElement();
                try (InputStream in = jar.getInputStream(entry)) {
                    while (in.read(buffer) >= 0) {
                        // reading to the end checks the entry's CRC
                    }
                }
                if (entry.getName().endsWith(".class")) {
                    classes++;
                }
            }
            if (classes == 0) {
                throw new AdminException("bad_input", "the jar holds no classes: it cannot be a plugin");
            }
        } catch (ZipException | SecurityException e) {
            throw new AdminException("bad_input", "the request body is not a readable jar: " + e.getMessage());
        } catch (IOException e) {
            throw new AdminException("bad_input", "the request body is not a readable jar: " + e);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            // same folder, so this should not happen; the plugin host's two looks still guard a plain move
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Waits for the plugin host to publish an inventory that satisfies {@code done}. */
    private Inventory await(Predicate<Inventory> done, String what) throws AdminException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            // the host only acts on an entry that looked the same twice: look now rather than wait for its poll
            plugins.pollNow();
            Inventory inventory = plugins.inventory();
            if (done.test(inventory)) {
                return inventory;
            }
            if (System.nanoTime() > end) {
                throw new AdminException("timeout", "the plugin host did not " + what + " within " + timeout.toMillis() + " ms");
            }
            Thread.sleep(LOOK_EVERY_MS);
        }
    }

    private static Optional<PluginReport> report(Inventory inventory, String name) {
        return inventory.plugins().stream().filter(p -> p.name().equals(name)).findFirst();
    }

    private static boolean isIt(PluginJar jar, String plugin, String sha256) {
        return jar.plugin().equals(plugin) && sha256.equalsIgnoreCase(jar.sha256());
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
