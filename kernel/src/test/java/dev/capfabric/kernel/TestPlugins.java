package dev.capfabric.kernel;

import dev.capfabric.spi.ProviderFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.spi.ToolProvider;

/**
 * Builds real plugin jars for tests: Java sources compiled with the JDK's javac against the SPI,
 * packed with the jar tool. Used only by tests; nothing here ships.
 */
public final class TestPlugins {

    private TestPlugins() {
    }

    /** Where the SPI's classes are, for compiling plugins against it. */
    public static Path spiLocation() {
        try {
            return Path.of(ProviderFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Compiles {@code sources} (path relative to the source root → content, including
     * {@code module-info.java}) into {@code jar}, with the SPI and {@code modulePath} available.
     */
    public static Path jar(Path jar, Map<String, String> sources, List<Path> modulePath) {
        return jar(jar, sources, modulePath, List.of());
    }

    /** As {@link #jar(Path, Map, List)}, with more javac options (such as {@code --module-version}). */
    public static Path jar(Path jar, Map<String, String> sources, List<Path> modulePath, List<String> javacOptions) {
        try {
            Path work = Files.createTempDirectory("capfabric-plugin-src");
            Path src = work.resolve("src");
            Path classes = work.resolve("classes");
            List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-nowarn", "--release", "25"));
            args.addAll(javacOptions);
            List<Path> path = new ArrayList<>(modulePath);
            path.add(spiLocation());
            args.add("--module-path");
            args.add(String.join(java.io.File.pathSeparator, path.stream().map(Path::toString).toList()));
            for (Map.Entry<String, String> source : sources.entrySet()) {
                Path file = src.resolve(source.getKey());
                Files.createDirectories(file.getParent());
                Files.writeString(file, source.getValue());
                args.add(file.toString());
            }
            run("javac", args);
            Files.createDirectories(jar.toAbsolutePath().getParent());
            Path tmp = jar.resolveSibling("." + jar.getFileName() + ".tmp");
            run("jar", List.of("--create", "--file", tmp.toString(), "-C", classes.toString(), "."));
            // appear atomically, as an operator's `mv` would
            Files.move(tmp, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void run(String tool, List<String> args) {
        ToolProvider provider = ToolProvider.findFirst(tool).orElseThrow(() -> new IllegalStateException("no " + tool + " tool in this JDK"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        int code = provider.run(print, print, args.toArray(String[]::new));
        if (code != 0) {
            throw new IllegalStateException(tool + " failed (" + code + "):\n" + out.toString(StandardCharsets.UTF_8));
        }
    }

    /**
     * A plugin with one provider whose behaviour is set here and steered per job:
     * <ul>
     *   <li>{@code sleep_ms}: sleep before answering (checks cancellation);</li>
     *   <li>{@code fail}: throw a CapabilityException of that kind ({@code bad_input}, {@code unavailable} ...);</li>
     *   <li>{@code throw}: throw an IllegalStateException;</li>
     *   <li>{@code error}: throw an {@link Error}: {@code stack_overflow} (a real one, by recursion),
     *   {@code assertion}, {@code oom} (an OutOfMemoryError), {@code linkage} (NoClassDefFoundError),
     *   anything else a plain {@code Error};</li>
     *   <li>{@code hang}: {@code forever} ignores interrupts and cancellation until a file {@code release}
     *   appears in its data folder; {@code until_interrupted} sleeps until its thread is interrupted;</li>
     *   <li>{@code out_bytes}: answer that many octets, byte {@code i} being {@code (byte) (i * 31 + 7)};</li>
     *   <li>{@code pieces}: emit that many partial results (text {@code piece-<i>}, metadata {@code index} and
     *   {@code streaming}), each with a progress report, {@code piece_ms} apart, stopping when cancelled and
     *   then appending the job id to {@code cancelled.log}.</li>
     * </ul>
     * It answers JSON {@code {"provider", "node", "input", "params", "tag"}} and appends every job id it
     * sees to {@code seen.log} in its data folder. With {@code split=lines} it splits a job into one part per
     * line of its text input (parameters {@code p<i>.<key>} become part {@code i}'s {@code <key>}) and merges
     * them into {@code {"merged_on", "provider", "parts": [{"index", "node", "ran_on", "input", "params"}]}};
     * {@code split=refuse} refuses to split (bad input), {@code merge=fail} refuses to merge.
     */
    public static Builder provider(String module, String providerId, String capability) {
        return new Builder(module, providerId, capability);
    }

    /** Builds an echoing test plugin. */
    public static final class Builder {
        private final String module;
        private final String providerId;
        private final String capability;
        private String tag = "v1";
        private int concurrency = 1;
        private String threading = "PLATFORM";
        private int order = 0;
        private String unusable;
        private String healthDown;
        private boolean throwInConstructor;
        private boolean throwInCreate;
        private String requiresLibrary;
        private List<String> models = List.of();
        private List<String> languages = List.of();
        private long maxInputBytes = 16L << 20;
        private List<String> voices = List.of();
        private long createSleepMs;
        private final List<String> requires = new ArrayList<>();
        private String tagExpression;
        private String moduleVersion;
        private List<String> accepts = List.of();
        private String answers;

        private Builder(String module, String providerId, String capability) {
            this.module = module;
            this.providerId = providerId;
            this.capability = capability;
        }

        /** A word the provider puts in every answer, to tell versions apart. */
        public Builder tag(String tag) {
            this.tag = tag;
            return this;
        }

        public Builder concurrency(int concurrency) {
            this.concurrency = concurrency;
            return this;
        }

        /** The {@code ProviderDescription.Threading} the provider declares, by name. */
        public Builder threading(String threading) {
            this.threading = threading;
            return this;
        }

        public Builder order(int order) {
            this.order = order;
            return this;
        }

        public Builder unusable(String reason) {
            this.unusable = reason;
            return this;
        }

        /** The provider is created but its health check says down, with this reason. */
        public Builder healthDown(String reason) {
            this.healthDown = reason;
            return this;
        }

        public Builder throwInConstructor() {
            this.throwInConstructor = true;
            return this;
        }

        public Builder throwInCreate() {
            this.throwInCreate = true;
            return this;
        }

        public Builder models(String... models) {
            this.models = List.of(models);
            return this;
        }

        public Builder languages(String... languages) {
            this.languages = List.of(languages);
            return this;
        }

        /** The largest input the provider declares it takes. */
        public Builder maxInputBytes(long maxInputBytes) {
            this.maxInputBytes = maxInputBytes;
            return this;
        }

        public Builder voices(String... voices) {
            this.voices = List.of(voices);
            return this;
        }

        /** The plugin's module-info also says {@code requires <module>} (compiled against {@code modulePath}). */
        public Builder requires(String module) {
            this.requires.add(module);
            return this;
        }

        /** A Java expression for the tag the provider reports, evaluated when it describes itself. */
        public Builder tagExpression(String expression) {
            this.tagExpression = expression;
            return this;
        }

        /** Compiled with {@code --module-version}, as Maven does from the project version. */
        public Builder moduleVersion(String version) {
            this.moduleVersion = version;
            return this;
        }

        /** The factory's {@code create} takes this long, as an engine loading a model would. */
        public Builder createSleepMs(long millis) {
            this.createSleepMs = millis;
            return this;
        }

        /** The media types the provider declares it takes; none (the default) takes any. */
        public Builder accepts(String... accepts) {
            this.accepts = List.of(accepts);
            return this;
        }

        /**
         * The provider answers every job (without a test parameter saying otherwise) with a payload of
         * this media type whose bytes read {@code "<provider id> on <node id>"}, as an image or audio
         * provider answers bytes.
         */
        public Builder answers(String mediaType) {
            this.answers = mediaType;
            return this;
        }

        /** The provider reports {@code testlib.Version.value()} as its tag; the library module must be on the path. */
        public Builder tagFromLibrary() {
            this.requiresLibrary = "testlib";
            return this;
        }

        public Path build(Path jar) {
            return build(jar, List.of());
        }

        public Path build(Path jar, List<Path> modulePath) {
            String pkg = module.replace('-', '_');
            String moduleInfo = "module " + module + " {\n requires capfabric.spi;\n"
                    + (requiresLibrary != null ? " requires " + requiresLibrary + ";\n" : "")
                    + String.join("", requires.stream().map(r -> " requires " + r + ";\n").toList())
                    + " provides dev.capfabric.spi.ProviderFactory with " + pkg + ".TestFactory;\n}\n";
            String tagExpression = this.tagExpression != null ? this.tagExpression
                    : requiresLibrary != null ? "testlib.Version.value()" : quote(tag);
            String factory = """
                    package %1$s;

                    import dev.capfabric.spi.*;
                    import java.nio.file.*;
                    import java.util.*;

                    public final class TestFactory implements ProviderFactory {
                        public TestFactory() {
                            if (%2$s) { throw new IllegalStateException("constructor refuses on purpose"); }
                        }
                        public String id() { return %3$s; }
                        public Capability capability() { return Capability.of(%4$s); }
                        public int order() { return %5$d; }
                        public Creation create(ProviderContext context) {
                            if (%6$s) { throw new IllegalStateException("create refuses on purpose"); }
                            try { Thread.sleep(%17$dL); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
                            String unusable = %7$s;
                            if (unusable != null) { return Creation.unusable(unusable); }
                            return Creation.ready(new TestProvider(context));
                        }

                        static final class TestProvider implements CapabilityProvider {
                            private static final java.util.concurrent.atomic.AtomicInteger RUNNING = new java.util.concurrent.atomic.AtomicInteger();
                            private static final java.util.concurrent.atomic.AtomicInteger MOST_AT_ONCE = new java.util.concurrent.atomic.AtomicInteger();
                            private final ProviderContext context;
                            TestProvider(ProviderContext context) { this.context = context; }
                            public ProviderDescription describe() {
                                return ProviderDescription.builder().concurrency(%8$d).maxInputBytes(%14$dL)
                                        .threading(ProviderDescription.Threading.%13$s)
                                        .models(List.of(%9$s)).languages(List.of(%10$s))
                                        .voices(List.of(%15$s)).accepts(List.of(%16$s))
                                        .extra(Map.of("tag", %11$s)).build();
                            }
                            public Health health() { String down = %12$s; return down == null ? Health.ok() : Health.down(down); }
                            public Result handle(Job job) throws CapabilityException {
                                MOST_AT_ONCE.accumulateAndGet(RUNNING.incrementAndGet(), Math::max);
                                try {
                                    return run(job);
                                } finally {
                                    RUNNING.decrementAndGet();
                                }
                            }
                            private Result run(Job job) throws CapabilityException {
                                try {
                                    Files.writeString(context.dataDir().resolve("seen.log"), job.id() + "\\n",
                                            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                                } catch (java.io.IOException e) { throw CapabilityException.internal("log", e); }
                                long sleep = Long.parseLong(job.parameter("sleep_ms").orElse("0"));
                                long end = System.nanoTime() + sleep * 1_000_000L;
                                while (System.nanoTime() < end && !job.cancellation().isCancelled()) {
                                    try { Thread.sleep(Math.min(5, Math.max(1, (end - System.nanoTime()) / 1_000_000L))); }
                                    catch (InterruptedException e) { Thread.currentThread().interrupt(); break; }
                                }
                                int pieces = Integer.parseInt(job.parameter("pieces").orElse("0"));
                                long pieceMs = Long.parseLong(job.parameter("piece_ms").orElse("0"));
                                for (int i = 0; i < pieces && !job.cancellation().isCancelled(); i++) {
                                    try { Thread.sleep(pieceMs); } catch (InterruptedException e) { Thread.currentThread().interrupt(); break; }
                                    job.progress((i + 1) / (double) pieces, "piece " + i);
                                    job.partial(Result.of(Payload.text("piece-" + i), Map.of("index", i, "streaming", job.streaming())));
                                }
                                if (pieces > 0 && job.cancellation().isCancelled()) {
                                    try {
                                        Files.writeString(context.dataDir().resolve("cancelled.log"), job.id() + "\\n",
                                                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                                    } catch (java.io.IOException e) { throw CapabilityException.internal("log", e); }
                                }
                                Optional<String> fail = job.parameter("fail");
                                if (fail.isPresent()) {
                                    throw new CapabilityException(CapabilityException.Kind.valueOf(fail.get().toUpperCase()), "failing on purpose: " + fail.get());
                                }
                                if (job.parameter("throw").isPresent()) { throw new IllegalStateException("thrown on purpose"); }
                                Optional<String> error = job.parameter("error");
                                if (error.isPresent()) {
                                    switch (error.get()) {
                                        case "stack_overflow" -> recurse(0);
                                        case "assertion" -> throw new AssertionError("asserted on purpose");
                                        case "oom" -> throw new OutOfMemoryError("out of memory on purpose");
                                        case "linkage" -> throw new NoClassDefFoundError("on/purpose/Missing");
                                        default -> throw new Error("error on purpose");
                                    }
                                }
                                String hang = job.parameter("hang").orElse("");
                                if (hang.equals("forever")) {
                                    Path release = context.dataDir().resolve("release");
                                    while (!Files.exists(release)) {
                                        try { Thread.sleep(20); } catch (InterruptedException ignored) { }
                                    }
                                } else if (hang.equals("until_interrupted")) {
                                    try { Thread.sleep(Long.MAX_VALUE); }
                                    catch (InterruptedException e) { throw CapabilityException.timeout("interrupted"); }
                                }
                                if (job.parameter("out_bytes").isPresent()) {
                                    byte[] out = new byte[Integer.parseInt(job.parameter("out_bytes").get())];
                                    for (int i = 0; i < out.length; i++) { out[i] = (byte) (i * 31 + 7); }
                                    return Result.of(new Payload("application/octet-stream", out));
                                }
                                if (job.parameter("echo_bytes").isPresent()) {
                                    Map<String, Object> meta = new LinkedHashMap<>();
                                    meta.put("bytes", job.input().size());
                                    job.parameters().forEach((k, v) -> { if (k.startsWith("meta_")) { meta.put(k.substring(5), v); } });
                                    return Result.of(new Payload(job.input().mediaType(), job.input().bytes()), meta);
                                }
                                String answers = %18$s;
                                if (answers != null) {
                                    return Result.of(new Payload(answers, (%3$s + " on " + context.nodeId())
                                            .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                                }
                                Map<String, Object> out = new LinkedHashMap<>();
                                out.put("provider", %3$s);
                                out.put("node", context.nodeId());
                                out.put("input", job.input().asText());
                                out.put("params", new TreeMap<>(job.parameters()));
                                out.put("tag", %11$s);
                                out.put("virtual_thread", Thread.currentThread().isVirtual());
                                out.put("most_at_once", MOST_AT_ONCE.get());
                                return Result.json(out);
                            }
                            public List<JobPart> split(Job job) throws CapabilityException {
                                String split = job.parameter("split").orElse("");
                                if (split.equals("refuse")) { throw CapabilityException.badInput("refusing to split on purpose"); }
                                if (!split.equals("lines")) { return List.of(); }
                                String[] lines = job.input().asText().split("\\n");
                                List<JobPart> parts = new ArrayList<>();
                                for (int i = 0; i < lines.length; i++) {
                                    String prefix = "p" + i + ".";
                                    Map<String, String> own = new HashMap<>();
                                    job.parameters().forEach((k, v) -> { if (k.startsWith(prefix)) { own.put(k.substring(prefix.length()), v); } });
                                    parts.add(new JobPart(own, Payload.text(lines[i])));
                                }
                                return parts;
                            }
                            public Result merge(Job job, List<PartResult> parts) throws CapabilityException {
                                if (job.parameter("merge").orElse("").equals("fail")) { throw CapabilityException.unprocessable("refusing to merge on purpose"); }
                                List<Object> merged = new ArrayList<>();
                                for (PartResult part : parts) {
                                    Map<String, Object> entry = new LinkedHashMap<>();
                                    entry.put("index", part.index());
                                    entry.put("node", part.node());
                                    entry.put("ran_on", part.result().metadata().get("node"));
                                    entry.put("input", part.result().metadata().get("input"));
                                    entry.put("params", part.result().metadata().get("params"));
                                    merged.add(entry);
                                }
                                Map<String, Object> out = new LinkedHashMap<>();
                                out.put("merged_on", context.nodeId());
                                out.put("provider", %3$s);
                                out.put("parts", merged);
                                return Result.json(out);
                            }
                            private static int recurse(int depth) { return recurse(depth + 1) + 1; }
                            public void close() {
                                try {
                                    Files.writeString(context.dataDir().resolve("closed.log"), "closed\\n",
                                            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                                } catch (java.io.IOException e) { throw new java.io.UncheckedIOException(e); }
                            }
                        }
                    }
                    """.formatted(pkg, throwInConstructor, quote(providerId), quote(capability), order, throwInCreate,
                    unusable == null ? "null" : quote(unusable), concurrency, quoteAll(models), quoteAll(languages), tagExpression,
                    healthDown == null ? "null" : quote(healthDown), threading, maxInputBytes, quoteAll(voices), quoteAll(accepts), createSleepMs,
                    answers == null ? "null" : quote(answers));
            return jar(jar, Map.of("module-info.java", moduleInfo, pkg.replace('.', '/') + "/TestFactory.java", factory), modulePath,
                    moduleVersion == null ? List.of() : List.of("--module-version", moduleVersion));
        }

        /** {@code s} as a Java string literal; control characters as octal escapes, so tests can hand plugins any text. */
        private static String quote(String s) {
            StringBuilder literal = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                if (c == '\\' || c == '"') {
                    literal.append('\\').append(c);
                } else if (c < 0x20 || c == 0x7f) {
                    literal.append(String.format("\\%03o", (int) c));
                } else {
                    literal.append(c);
                }
            }
            return literal.append('"').toString();
        }

        private static String quoteAll(List<String> values) {
            return String.join(", ", values.stream().map(Builder::quote).toList());
        }
    }

    /** A plain jar (no module-info, so an automatic module) whose {@code testlib.Version.value()} returns {@code version}. */
    public static Path automaticLibrary(Path jar, String version) {
        return jar(jar, Map.of("testlib/Version.java", "package testlib; public final class Version { public static String value() { return \""
                + version + "\"; } }\n"), List.of());
    }

    /** A library module {@code testlib} whose {@code testlib.Version.value()} returns {@code version}. */
    public static Path library(Path jar, String version) {
        return jar(jar, Map.of(
                "module-info.java", "module testlib { exports testlib; }\n",
                "testlib/Version.java", "package testlib; public final class Version { public static String value() { return \""
                        + version + "\"; } }\n"), List.of());
    }

    /**
     * Two plain jars (automatic modules) that use each other, as PDFBox's jars do: {@code testlib.Version.value()}
     * in {@code first} asks {@code helper.Helper} in {@code second} for its answer, which asks
     * {@code testlib.Version.prefix()} back, and answers {@code prefix + version}.
     */
    public static List<Path> automaticPair(Path first, Path second, String version) {
        try {
            Path work = Files.createTempDirectory("capfabric-pair-src");
            Path version1 = work.resolve("src/testlib/Version.java");
            Path helper = work.resolve("src/helper/Helper.java");
            Files.createDirectories(version1.getParent());
            Files.createDirectories(helper.getParent());
            Files.writeString(version1, "package testlib; public final class Version {"
                    + " public static String prefix() { return \"pair-\"; }"
                    + " public static String value() { return helper.Helper.answer(); } }\n");
            Files.writeString(helper, "package helper; public final class Helper {"
                    + " public static String answer() { return testlib.Version.prefix() + \"" + version + "\"; } }\n");
            Path classes = work.resolve("classes");
            run("javac", List.of("-d", classes.toString(), "-nowarn", "--release", "25", version1.toString(), helper.toString()));
            for (Path jar : List.of(first, second)) {
                Files.createDirectories(jar.toAbsolutePath().getParent());
            }
            run("jar", List.of("--create", "--file", first.toString(), "-C", classes.toString(), "testlib"));
            run("jar", List.of("--create", "--file", second.toString(), "-C", classes.toString(), "helper"));
            return List.of(first, second);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
