package dev.capfabric.kernel.fabric;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A kernel in its own JVM, started through {@code Main} from the module path the test runs on, so a
 * test can signal it as an operator (or the OOM killer) would: SIGKILL, SIGSTOP/SIGCONT, SIGTERM.
 * Its output goes to {@code node.log} in its home.
 */
final class NodeProcess implements AutoCloseable {

    final String nodeId;
    final Path home;
    private final Process process;

    private NodeProcess(String nodeId, Path home, Process process) {
        this.nodeId = nodeId;
        this.home = home;
        this.process = process;
    }

    /** Starts node {@code nodeId} in {@code home} with copies of {@code plugins}, and the given environment. */
    static NodeProcess start(Path home, String nodeId, List<Path> plugins, Map<String, String> env) {
        try {
            Files.createDirectories(home.resolve("plugins"));
            for (Path plugin : plugins) {
                Files.copy(plugin, home.resolve("plugins").resolve(plugin.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
            String java = ProcessHandle.current().info().command()
                    .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            String modulePath = System.getProperty("jdk.module.path");
            if (modulePath == null || modulePath.isBlank()) {
                throw new IllegalStateException("the test does not run on the module path");
            }
            List<String> command = List.of(java,
                    "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-XX:+UseSerialGC", "-Xmx256m",
                    "--sun-misc-unsafe-memory-access=allow",
                    "--enable-native-access=ALL-UNNAMED,capfabric.kernel",
                    "--module-path", withoutTestJars(modulePath),
                    // the libraries surefire put on the class path (JNA for OSHI, BouncyCastle for jnats ...), as in the test JVM
                    "--class-path", withoutTestJars(System.getProperty("java.class.path", "")),
                    "-m", "capfabric.kernel/dev.capfabric.kernel.Main");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("node.log").toFile()));
            builder.environment().putAll(env);
            builder.environment().put("CAPFABRIC_NODE_ID", nodeId);
            builder.environment().put("CAPFABRIC_HOME", home.toString());
            builder.environment().put("CAPFABRIC_HOST", "127.0.0.1");
            builder.environment().put("CAPFABRIC_PORT", "0");
            return new NodeProcess(nodeId, home, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Sends a signal by name (KILL, STOP, CONT, TERM). */
    void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits up to {@code millis} for the process to end; returns whether it did. */
    boolean awaitExit(long millis) throws InterruptedException {
        return process.waitFor(millis, TimeUnit.MILLISECONDS);
    }

    String log() {
        try {
            Path log = home.resolve("node.log");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            signal("CONT"); // a stopped process ignores everything but SIGKILL and SIGCONT
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A path of the test JVM without the test classes and test-only jars (JUnit and friends). */
    static String withoutTestJars(String path) {
        List<String> kept = new ArrayList<>();
        for (String entry : path.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            String name = Path.of(entry).getFileName().toString();
            if (!name.equals("test-classes") && !name.startsWith("junit-") && !name.startsWith("opentest4j")
                    && !name.startsWith("apiguardian")) {
                kept.add(entry);
            }
        }
        return String.join(File.pathSeparator, kept);
    }
}
