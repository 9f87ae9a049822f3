package dev.capfabric.bench.dispatch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.spi.ToolProvider;

/**
 * Builds the benchmark's plugin: capability {@code noop}, provider {@code noop}, which does no work
 * and answers {@code {"text":"ok"}}; or, for the OpenAI front door's bench, capability {@code image},
 * provider {@code noop}, which answers the same 1x1 PNG to every job. Compiled at run time against the
 * SPI, like a third party's plugin.
 */
final class NoopPlugin {

    private NoopPlugin() {
    }

    /** A 1x1 PNG, the no-op image provider's answer. */
    static final String PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

    static Path build(Path jar, Path spi, int concurrency, String threading) throws IOException {
        return build(jar, spi, concurrency, threading, "noop");
    }

    /**
     * @param capability {@code noop} (answers {@code {"text":"ok"}}) or {@code image} (answers a PNG)
     */
    static Path build(Path jar, Path spi, int concurrency, String threading, String capability) throws IOException {
        String answer = capability.equals("image")
                ? "Result.of(new Payload(\"image/png\", java.util.Base64.getDecoder().decode(\"" + PNG_BASE64 + "\")))"
                : "Result.json(Map.of(\"text\", \"ok\"))";
        // sources beside the plugins folder, not in it: the kernel would try to load anything there
        Path work = Files.createDirectories(jar.toAbsolutePath().getParent().resolveSibling("noop-plugin-src"));
        Path src = work.resolve("src");
        Path classes = work.resolve("classes");
        Files.createDirectories(src.resolve("bench/noop"));
        Files.writeString(src.resolve("module-info.java"), """
                module bench.noop {
                    requires capfabric.spi;
                    provides dev.capfabric.spi.ProviderFactory with bench.noop.NoopFactory;
                }
                """);
        Files.writeString(src.resolve("bench/noop/NoopFactory.java"), """
                package bench.noop;

                import dev.capfabric.spi.*;
                import java.util.Map;

                public final class NoopFactory implements ProviderFactory {
                    public String id() { return "noop"; }
                    public Capability capability() { return Capability.of("%s"); }
                    public Creation create(ProviderContext context) { return Creation.ready(new Noop()); }

                    static final class Noop implements CapabilityProvider {
                        private static final Result ANSWER = %s;
                        public ProviderDescription describe() { return ProviderDescription.builder().concurrency(%d)
                                .threading(ProviderDescription.Threading.%s).build(); }
                        public Health health() { return Health.ok(); }
                        public Result handle(Job job) { return ANSWER; }
                        public void close() { }
                    }
                }
                """.formatted(capability, answer, concurrency, threading));
        run("javac", List.of("-d", classes.toString(), "--release", "25", "--module-path", spi.toString(),
                src.resolve("module-info.java").toString(), src.resolve("bench/noop/NoopFactory.java").toString()));
        Files.createDirectories(jar.getParent());
        run("jar", List.of("--create", "--file", jar.toString(), "-C", classes.toString(), "."));
        return jar;
    }

    private static void run(String tool, List<String> args) {
        ToolProvider provider = ToolProvider.findFirst(tool).orElseThrow(() -> new IllegalStateException("no " + tool + " in this JDK"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        if (provider.run(print, print, new ArrayList<>(args).toArray(String[]::new)) != 0) {
            throw new IllegalStateException(tool + " failed:\n" + out.toString(StandardCharsets.UTF_8));
        }
    }
}
