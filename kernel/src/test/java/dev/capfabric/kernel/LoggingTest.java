package dev.capfabric.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node process's log, as a log collector reads it: one line per record, each starting from an
 * ISO-8601 UTC timestamp; with {@code CAPFABRIC_LOG_FORMAT=json} one JSON object per line; nothing
 * from Helidon about a missing logging implementation.
 */
class LoggingTest {

    private static final Pattern UTC = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    private static final Pattern TEXT_LINE = Pattern.compile("^(" + UTC.pattern() + ") (ERROR|WARN |INFO |DEBUG|TRACE) \\S+ - .*$");

    @TempDir
    Path home;

    /** What a node process wrote: stdout lines, stderr, exit status. */
    record Run(List<String> stdout, String stderr, int status) {
    }

    /** Starts a node process with {@code format}, waits until it serves, stops it with SIGTERM. */
    private Run runNode(String format, String yaml) throws Exception {
        Files.createDirectories(home.resolve("plugins"));
        Files.createDirectories(home.resolve("conf"));
        Files.writeString(home.resolve("conf/capfabric.yaml"), yaml);
        ProcessBuilder builder = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                "--sun-misc-unsafe-memory-access=allow",
                "--enable-native-access=ALL-UNNAMED,capfabric.kernel",
                // as surefire splits them: modules on the module path, the rest (JNA, Prometheus' model) on the class path
                "--module-path", withoutTestJars(System.getProperty("jdk.module.path")),
                "--class-path", withoutTestJars(System.getProperty("java.class.path", "")),
                "-m", "capfabric.kernel/dev.capfabric.kernel.Main");
        builder.environment().put("CAPFABRIC_HOME", home.toString());
        builder.environment().put("CAPFABRIC_NODE_ID", "log-test");
        builder.environment().put("CAPFABRIC_PORT", "0");
        builder.environment().put("CAPFABRIC_HOST", "127.0.0.1");
        builder.environment().remove("CAPFABRIC_LOG_FORMAT");
        if (format != null) {
            builder.environment().put("CAPFABRIC_LOG_FORMAT", format);
        }
        builder.redirectError(home.resolve("stderr.txt").toFile());
        Process process = builder.start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        });
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (process.isAlive() && lines.stream().noneMatch(l -> l.contains("serving on")) && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            process.destroy(); // SIGTERM: a graceful stop
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the node stops after SIGTERM");
            reader.join(5_000);
        } finally {
            process.destroyForcibly();
        }
        return new Run(List.copyOf(lines), Files.readString(home.resolve("stderr.txt")), process.exitValue());
    }

    /** A path of the test JVM without the test classes and test-only jars (JUnit and friends). */
    private static String withoutTestJars(String path) {
        return java.util.Arrays.stream(path.split(java.io.File.pathSeparator))
                .filter(entry -> !entry.isBlank())
                .filter(entry -> {
                    String name = Path.of(entry).getFileName().toString();
                    return !name.equals("test-classes") && !name.startsWith("junit-") && !name.startsWith("opentest4j")
                            && !name.startsWith("apiguardian") && !name.startsWith("surefire");
                })
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }

    @Test
    void textLogsAreOneLinePerRecordWithUtcTimestampsAndNoHelidonNotice() throws Exception {
        Run run = runNode(null, "capfabric: {}\n");
        assertTrue(run.stdout().stream().anyMatch(l -> l.contains("serving on")), "the node started: " + run);
        for (String line : run.stdout()) {
            var m = TEXT_LINE.matcher(line);
            assertTrue(m.matches(), "not a one-line record: '" + line + "'\nall:\n" + String.join("\n", run.stdout()));
            Instant.parse(m.group(1));
        }
        assertFalse((run.stderr() + run.stdout()).contains("There is no Helidon logging implementation"), run.stderr());
    }

    @Test
    void jsonLogsAreOneObjectPerLineFromTheEnvironmentOrTheYaml() throws Exception {
        for (Run run : List.of(runNode("json", "capfabric: {}\n"), runNode(null, "capfabric:\n  log:\n    format: json\n"))) {
            assertTrue(run.stdout().size() > 3, "records were written: " + run);
            for (String line : run.stdout()) {
                JsonNode record = TestNode.json(line);
                assertTrue(record.isObject(), line);
                assertTrue(UTC.matcher(record.path("timestamp").asText()).matches(), line);
                Instant.parse(record.get("timestamp").asText());
                assertTrue(record.path("level").asText().matches("ERROR|WARN|INFO|DEBUG|TRACE"), line);
                assertFalse(record.path("logger").asText().isEmpty(), line);
                assertTrue(record.has("message") && record.has("thread"), line);
            }
            assertTrue(run.stdout().stream().anyMatch(l -> l.contains("serving on")), "the start is logged: " + run.stdout());
            assertFalse(run.stderr().contains("There is no Helidon logging implementation"), run.stderr());
        }
    }

    @Test
    void anUnknownLogFormatStopsStartUpSayingWhy() throws Exception {
        for (String format : List.of("xml", "JSONL", "tex")) {
            Run run = runNode(format, "capfabric: {}\n");
            assertEquals(2, run.status(), run.toString());
            assertTrue(run.stderr().contains("CAPFABRIC_LOG_FORMAT") && run.stderr().contains(format), run.stderr());
        }
        Run yaml = runNode(null, "capfabric:\n  log:\n    format: logfmt\n");
        assertEquals(2, yaml.status(), yaml.toString());
        assertTrue(yaml.stderr().contains("'logfmt'"), yaml.stderr());
    }
}
