package dev.capfabric.kernel.fabric;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a test script of {@code src/test/js} with Node.js and the third-party clients that
 * {@code .ci/setup} installed from {@code .ci/npm/package.json} (env {@code CAPFABRIC_NPM_MODULES},
 * else {@code <repo>/target/npm/node_modules}).
 */
final class NodeScripts {

    private NodeScripts() {
    }

    static Path modules() {
        String configured = System.getenv("CAPFABRIC_NPM_MODULES");
        Path modules = configured != null && !configured.isBlank() ? Path.of(configured)
                : Path.of("").toAbsolutePath().getParent().resolve("target/npm/node_modules");
        if (!Files.isDirectory(modules.resolve("nats"))) {
            throw new IllegalStateException("the npm test clients are missing from " + modules + ": source .ci/setup first");
        }
        return modules;
    }

    static Path script(String name) {
        return Path.of("src/test/js", name).toAbsolutePath();
    }

    /** Runs {@code script} with {@code args}; returns its stdout, or fails with its output when it exits non-zero. */
    static String run(String script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("node", script(script).toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("NODE_PATH", modules().toString());
        Path err = Files.createTempFile("node-script", ".err");
        builder.redirectError(err.toFile());
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(script + " did not finish in 60 s");
        }
        String stderr = Files.readString(err);
        Files.deleteIfExists(err);
        if (process.exitValue() != 0) {
            throw new AssertionError(script + " exited " + process.exitValue() + ":\n" + stderr + "\n" + out);
        }
        return out;
    }
}
