package dev.capfabric.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node run as its own JVM through {@link Main}, as {@code bin/capfabric} runs it: for what only a
 * process shows (exit statuses, signals). Its output goes to {@code node.log} in its home.
 */
public final class NodeProcess implements AutoCloseable {

    private static final Pattern SERVING = Pattern.compile("serving on http://[^ ]+:(\\d+) ");

    public final Path home;
    public final Process process;
    private final Path log;

    private NodeProcess(Path home, Process process, Path log) {
        this.home = home;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code Main} with {@code home} as its installation folder and {@code env} added. */
    public static NodeProcess start(Path home, Map<String, String> env) {
        try {
            Files.createDirectories(home.resolve("plugins"));
            Path log = home.resolve("node.log");
            List<String> command = new ArrayList<>(List.of(
                    ProcessHandle.current().info().command().orElse("java"),
                    "--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED,capfabric.kernel",
                    "--add-modules", "ALL-SYSTEM",
                    // as surefire runs the tests: some libraries sit on the class path, read by the automatic modules
                    "--module-path", System.getProperty("jdk.module.path"),
                    "--class-path", System.getProperty("java.class.path"),
                    "-m", "capfabric.kernel/dev.capfabric.kernel.Main"));
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().put("CAPFABRIC_HOME", home.toString());
            builder.environment().put("CAPFABRIC_HOST", "127.0.0.1");
            builder.environment().put("CAPFABRIC_PLUGINS_POLL__INTERVAL__MS", "100");
            builder.environment().putAll(env);
            return new NodeProcess(home, builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the node printed so far. */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the node to log the port it serves on. */
    public int awaitPort(Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            Matcher matcher = SERVING.matcher(output());
            if (matcher.find()) {
                return Integer.parseInt(matcher.group(1));
            }
            if (!process.isAlive()) {
                throw new AssertionError("the node exited (" + process.exitValue() + ") before serving:\n" + output());
            }
            TestNode.sleep(50);
        }
        throw new AssertionError("the node did not log its port within " + timeout + ":\n" + output());
    }

    /** Waits for the process to exit; its status, or fails after {@code timeout}. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the node did not exit within " + timeout + ":\n" + output());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** SIGTERM, as systemd or Ctrl-C would stop it. */
    public void terminate() {
        process.destroy();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
