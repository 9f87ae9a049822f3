package dev.capfabric.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs a Node.js script that uses the npm test clients (installed by {@code .ci/setup} from
 * {@code .ci/npm/package.json}; found through {@code CAPFABRIC_NPM_MODULES}, else
 * {@code <repo>/target/npm/node_modules}).
 */
public final class NodeScripts {

    private NodeScripts() {
    }

    /** The folder of the npm test clients. */
    public static Path modules() {
        String configured = System.getenv("CAPFABRIC_NPM_MODULES");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve(".ci/npm/package.json"))) {
            dir = dir.getParent();
        }
        return (dir == null ? Path.of("") : dir).resolve("target/npm/node_modules");
    }

    /**
     * Runs {@code script} with {@code args} ({@code process.argv[1]} onwards) and returns its standard
     * output lines; fails when it exits non-zero or outlives {@code timeout}. Skips the test when the
     * package {@code openai} (or node itself) is not installed.
     */
    public static List<String> run(String script, List<String> args, Duration timeout) throws IOException, InterruptedException {
        Path modules = modules();
        assumeTrue(Files.isDirectory(modules), "npm test clients not installed in " + modules + " (run . .ci/setup)");
        List<String> command = new ArrayList<>(List.of("node", "-e", script));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(false);
        builder.environment().put("NODE_PATH", modules.toString());
        Process process = builder.start();
        process.getOutputStream().close();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("node script still running after " + timeout);
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new AssertionError("node script exited " + process.exitValue() + ":\n" + err + out);
        }
        return out.lines().toList();
    }
}
