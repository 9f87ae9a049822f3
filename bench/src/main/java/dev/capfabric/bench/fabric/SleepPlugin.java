package dev.capfabric.bench.fabric;

import dev.capfabric.spi.ProviderFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.spi.ToolProvider;

/**
 * Builds the fabric benchmarks' plugin: provider {@code sleep} for a capability chosen at build time,
 * which sleeps {@code delay-ms} (its config; 0 does no work at all) and answers {@code {"text":"ok"}},
 * running {@code concurrency} (its config) jobs at once; a share {@code tail-share} of the jobs, drawn at
 * random, sleeps {@code tail-factor} times as long (a node with a slow tail: a GC pause, a cold cache).
 * An interrupt (the job cancelled) ends the sleep. Compiled at run time against the SPI, like a
 * third party's plugin.
 */
final class SleepPlugin {

    private SleepPlugin() {
    }

    static Path build(Path jar, String capability) throws IOException {
        Path work = Files.createTempDirectory("capfabric-sleep-plugin");
        Path src = work.resolve("src");
        Path classes = work.resolve("classes");
        Files.createDirectories(src.resolve("bench/sleep"));
        Files.writeString(src.resolve("module-info.java"), """
                module bench.sleep {
                    requires capfabric.spi;
                    provides dev.capfabric.spi.ProviderFactory with bench.sleep.SleepFactory;
                }
                """);
        Files.writeString(src.resolve("bench/sleep/SleepFactory.java"), """
                package bench.sleep;

                import dev.capfabric.spi.*;
                import java.util.Map;

                public final class SleepFactory implements ProviderFactory {
                    public String id() { return "sleep"; }
                    public Capability capability() { return Capability.of("%s"); }
                    public Creation create(ProviderContext context) {
                        return Creation.ready(new Sleep(Long.parseLong(context.config("delay-ms", "0")),
                                Integer.parseInt(context.config("concurrency", "1")),
                                Double.parseDouble(context.config("tail-share", "0")), Long.parseLong(context.config("tail-factor", "1"))));
                    }

                    static final class Sleep implements CapabilityProvider {
                        private static final Map<String, Object> ANSWER = Map.of("text", "ok");
                        private final long delayMs;
                        private final int concurrency;
                        private final double tailShare;
                        private final long tailFactor;
                        Sleep(long delayMs, int concurrency, double tailShare, long tailFactor) {
                            this.delayMs = delayMs; this.concurrency = concurrency; this.tailShare = tailShare; this.tailFactor = tailFactor;
                        }
                        public ProviderDescription describe() { return ProviderDescription.builder().concurrency(concurrency).build(); }
                        public Health health() { return Health.ok(); }
                        public Result handle(Job job) throws CapabilityException {
                            long millis = tailShare > 0 && java.util.concurrent.ThreadLocalRandom.current().nextDouble() < tailShare
                                    ? delayMs * tailFactor : delayMs;
                            if (millis > 0) {
                                try { Thread.sleep(millis); }
                                catch (InterruptedException e) { Thread.currentThread().interrupt(); throw CapabilityException.unavailable("interrupted"); }
                            }
                            return Result.json(ANSWER);
                        }
                        public void close() { }
                    }
                }
                """.formatted(capability));
        run("javac", List.of("-d", classes.toString(), "--release", "25", "--module-path", spi().toString(),
                src.resolve("module-info.java").toString(), src.resolve("bench/sleep/SleepFactory.java").toString()));
        Files.createDirectories(jar.toAbsolutePath().getParent());
        run("jar", List.of("--create", "--file", jar.toString(), "-C", classes.toString(), "."));
        return jar;
    }

    private static Path spi() {
        try {
            return Path.of(ProviderFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void run(String tool, List<String> args) {
        ToolProvider provider = ToolProvider.findFirst(tool).orElseThrow(() -> new IllegalStateException("no " + tool + " in this JDK"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        if (provider.run(print, print, args.toArray(String[]::new)) != 0) {
            throw new IllegalStateException(tool + " failed:\n" + out.toString(StandardCharsets.UTF_8));
        }
    }
}
