import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * P5, the distribution benchmark: measures a built tarball as an operator gets it.
 *
 * <ul>
 *   <li>launch-to-first-200: from starting {@code bin/capfabric} to the first 200 on {@code GET /caps},
 *       interleaved runs with the AOT cache, without it ({@code CAPFABRIC_AOT=off}) and with the cache
 *       but no plugins (the kernel alone), median and range of each;</li>
 *   <li>idle resident memory (VmRSS) of a node with every shipped plugin loaded, after it sat idle, then
 *       idle again after one tts, stt and ocr job (the engines they loaded stay until idle-release-ms), then
 *       after a sphinx4 job;</li>
 *   <li>the tarball's size and what takes the space (each part gzip-compressed on its own).</li>
 * </ul>
 *
 * <pre>java distribution/src/bench/DistributionBench.java distribution/target/capfabric-VERSION-linux-x86_64.tar.gz [runs] [idle-seconds] [NAME=VALUE ...]</pre>
 *
 * NAME=VALUE pairs are set in every node's environment, e.g. {@code CAPFABRIC_PROVIDERS_SPHINX4_ENABLED=false}.
 * Needs a JDK 25 to run this file (the node itself runs on the tarball's runtime) and GNU tar.
 * Prints Markdown for docs/BENCHMARKS.md.
 */
public final class DistributionBench {

    private static final Duration START_LIMIT = Duration.ofSeconds(180);

    private record Mode(String label, Map<String, String> environment) {
    }

    /**
     * One start: wall time to the first 200 and the CPU time the JVM had used by then (all its threads),
     * and wall time until every plugin is listed on /caps (the kernel serves while plugins load).
     */
    private record Start(long wallMillis, long cpuMillis, long pluginsMillis) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            throw new IllegalArgumentException("usage: java DistributionBench.java <tarball> [runs] [idle-seconds] [NAME=VALUE ...]");
        }
        Path tarball = Path.of(args[0]).toAbsolutePath();
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        int idleSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 3; i < args.length; i++) {
            int equals = args[i].indexOf('=');
            if (equals < 1) {
                throw new IllegalArgumentException("expected NAME=VALUE, got " + args[i]);
            }
            settings.put(args[i].substring(0, equals), args[i].substring(equals + 1));
        }

        Path scratch = Files.createTempDirectory("capfabric-bench");
        try {
            run(new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", scratch.toString()));
            Path installation;
            try (Stream<Path> entries = Files.list(scratch)) {
                installation = entries.filter(Files::isDirectory).findFirst().orElseThrow();
            }
            Path emptyPlugins = Files.createDirectories(scratch.resolve("no-plugins"));

            System.out.println("## P5 — distribution (" + tarball.getFileName() + ")\n");
            System.out.println(machine());
            if (!settings.isEmpty()) {
                System.out.println("Node environment: `" + settings + "`.\n");
            }
            startup(installation, emptyPlugins, runs, scratch, settings);
            memory(installation, idleSeconds, scratch, settings);
            size(tarball, installation);
            System.out.println("\nload average at the end: " + loadAverage());
        } finally {
            deleteTree(scratch);
        }
    }

    // ---- launch to first 200 -----------------------------------------------------------------------

    private static void startup(Path installation, Path emptyPlugins, int runs, Path scratch, Map<String, String> settings)
            throws Exception {
        List<Mode> modes = List.of(
                new Mode("AOT cache (default)", with(settings, Map.of())),
                new Mode("no AOT cache (CAPFABRIC_AOT=off)", with(settings, Map.of("CAPFABRIC_AOT", "off"))),
                new Mode("AOT cache, no plugins (kernel alone)",
                        with(settings, Map.of("CAPFABRIC_PLUGINS_DIR", emptyPlugins.toString()))));
        long shipped = pluginCount(installation.resolve("plugins"));
        Map<Mode, List<Start>> starts = new LinkedHashMap<>();
        modes.forEach(mode -> starts.put(mode, new ArrayList<>()));
        Path work = Files.createDirectories(scratch.resolve("work"));
        for (int run = 0; run < runs; run++) {
            // rotate the order so that no mode always runs right after another
            for (int i = 0; i < modes.size(); i++) {
                Mode mode = modes.get((i + run) % modes.size());
                long expected = mode.environment().containsKey("CAPFABRIC_PLUGINS_DIR") ? 0 : shipped;
                starts.get(mode).add(firstCaps(installation, mode.environment(), work, expected));
            }
        }
        System.out.println("### Launch to first 200 on GET /caps\n");
        System.out.println("Median of " + runs + " interleaved runs per mode: wall milliseconds from starting bin/capfabric"
                + " (a new JVM each time) to the first 200, and the CPU milliseconds the JVM had used by then"
                + " (user + system, all threads; less sensitive than wall time to other load on the machine):\n");
        System.out.println("| mode | wall ms (median) | min | max | CPU ms (median) | all plugins listed, ms (median) | wall ms of each run |");
        System.out.println("|---|---:|---:|---:|---:|---:|---|");
        starts.forEach((mode, values) -> {
            List<Long> wall = values.stream().map(Start::wallMillis).sorted().toList();
            List<Long> cpu = values.stream().map(Start::cpuMillis).sorted().toList();
            List<Long> plugins = values.stream().map(Start::pluginsMillis).sorted().toList();
            System.out.printf(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | %s |%n", mode.label(), median(wall),
                    wall.getFirst(), wall.getLast(), median(cpu), median(plugins), values.stream().map(Start::wallMillis).toList());
        });
        System.out.println();
    }

    private static Start firstCaps(Path installation, Map<String, String> extra, Path work, long expectedPlugins)
            throws Exception {
        int port = freePort();
        ProcessBuilder builder = node(installation, port, work, extra).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        URI caps = URI.create("http://127.0.0.1:" + port + "/caps");
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()) {
            long start = System.nanoTime();
            Process process = builder.start();
            try {
                while (true) {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("the node exited with status " + process.exitValue());
                    }
                    if (System.nanoTime() - start > START_LIMIT.toNanos()) {
                        throw new IllegalStateException("no 200 on /caps within " + START_LIMIT);
                    }
                    try {
                        if (http.send(HttpRequest.newBuilder(caps).timeout(Duration.ofSeconds(5)).build(),
                                HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                            long wall = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                            long cpu = cpuMillis(process.pid());
                            awaitPlugins(http, caps, expectedPlugins, process);
                            return new Start(wall, cpu, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                        }
                    } catch (IOException notListeningYet) {
                        // connection refused until the server is bound
                    }
                    Thread.sleep(2);
                }
            } finally {
                stop(process);
            }
        }
    }

    /** Waits until /caps lists the expected number of plugins (the kernel answers before they are loaded). */
    private static String awaitPlugins(HttpClient http, URI caps, long expected, Process process) throws Exception {
        Instant limit = Instant.now().plus(START_LIMIT);
        while (Instant.now().isBefore(limit) && process.isAlive()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(caps).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200 && count(response.body(), "\"modules\":") >= expected) {
                return response.body();
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("/caps did not list " + expected + " plugins within " + START_LIMIT);
    }

    private static long pluginCount(Path plugins) throws IOException {
        try (Stream<Path> entries = Files.list(plugins)) {
            return entries.filter(p -> !p.getFileName().toString().startsWith(".")).count();
        }
    }

    // ---- idle resident memory ----------------------------------------------------------------------

    private static void memory(Path installation, int idleSeconds, Path scratch, Map<String, String> settings) throws Exception {
        int port = freePort();
        Path log = scratch.resolve("memory-run.log");
        Process process = node(installation, port, Files.createDirectories(scratch.resolve("work-memory")), settings)
                .redirectOutput(log.toFile()).start();
        try (HttpClient http = HttpClient.newHttpClient()) {
            URI base = URI.create("http://127.0.0.1:" + port);
            URI caps = base.resolve("/caps");
            Instant limit = Instant.now().plus(START_LIMIT);
            String body = null;
            while (body == null && Instant.now().isBefore(limit)) {
                try {
                    HttpResponse<String> response = http.send(HttpRequest.newBuilder(caps).build(), HttpResponse.BodyHandlers.ofString());
                    body = response.statusCode() == 200 ? response.body() : null;
                } catch (IOException notYet) {
                    Thread.sleep(50);
                }
            }
            if (body == null) {
                throw new IllegalStateException("the node did not answer /caps; see " + log);
            }
            awaitPlugins(http, caps, pluginCount(installation.resolve("plugins")), process);
            Map<String, Map<String, String>> states = new LinkedHashMap<>();
            Thread.sleep(TimeUnit.SECONDS.toMillis(idleSeconds));
            body = http.send(HttpRequest.newBuilder(caps).build(), HttpResponse.BodyHandlers.ofString()).body();
            states.put("idle after start", procStatus(process.pid()));

            // one job per capability, each to the provider the shipped preferences choose, then idle again
            List<String> jobs = new ArrayList<>();
            byte[] wav = job(http, base, "tts", "application/json",
                    "{\"text\":\"the quick brown fox jumps over the lazy dog\"}".getBytes(), jobs);
            if (wav != null) {
                job(http, base, "stt", "audio/wav", wav, jobs);
            }
            job(http, base, "ocr", "image/png", textImage("the quick brown fox"), jobs);
            Thread.sleep(TimeUnit.SECONDS.toMillis(idleSeconds));
            states.put("idle after one job each: " + String.join(", ", jobs), procStatus(process.pid()));
            if (wav != null && body.contains("\"sphinx4\"")) {
                List<String> sphinx = new ArrayList<>();
                job(http, base, "stt?provider=sphinx4", "audio/wav", wav, sphinx);
                Thread.sleep(TimeUnit.SECONDS.toMillis(idleSeconds));
                states.put("then idle after a job of " + String.join(", ", sphinx), procStatus(process.pid()));
            }

            System.out.println("### Idle resident memory\n");
            System.out.println("A standalone node with every shipped plugin (" + count(body, "\"status\":\"loaded\"")
                    + " plugins loaded, " + count(body, "\"status\":\"usable\"") + " providers usable), default JVM options"
                    + " of bin/capfabric, " + idleSeconds + " s after all its plugins were listed on /caps, then "
                    + idleSeconds + " s after jobs (MB):\n");
            System.out.println("| state | VmRSS | RssAnon | RssFile | VmHWM (peak) | threads |");
            System.out.println("|---|---:|---:|---:|---:|---:|");
            states.forEach((state, status) -> System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", state,
                    megabytes(status.get("VmRSS")), megabytes(status.get("RssAnon")), megabytes(status.get("RssFile")),
                    megabytes(status.get("VmHWM")), status.get("Threads")));
            System.out.println();
        } finally {
            stop(process);
        }
    }

    /**
     * Runs one job; adds "capability (provider)" to {@code done} and returns the output, or prints why it
     * failed and returns null.
     */
    private static byte[] job(HttpClient http, URI base, String capability, String type, byte[] input, List<String> done)
            throws Exception {
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(base.resolve("/v1/capability/" + capability))
                        .header("Content-Type", type).timeout(Duration.ofMinutes(2))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(input)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        String name = capability.replaceFirst("\\?.*", "");
        if (response.statusCode() != 200) {
            System.out.println("(" + name + " job answered " + response.statusCode() + ": "
                    + new String(response.body(), 0, Math.min(300, response.body().length)) + ")\n");
            return null;
        }
        done.add(name + " (" + response.headers().firstValue("X-Capfabric-Provider")
                .or(() -> providerIn(response.body())).orElse("?") + ")");
        return response.body();
    }

    /** The provider a JSON result names, for results that carry no provider header. */
    private static java.util.Optional<String> providerIn(byte[] body) {
        java.util.regex.Matcher provider = java.util.regex.Pattern.compile("\"provider\"\\s*:\\s*\"([^\"]+)\"")
                .matcher(new String(body, java.nio.charset.StandardCharsets.UTF_8));
        return provider.find() ? java.util.Optional.of(provider.group(1)) : java.util.Optional.empty();
    }

    /** A PNG of black text on white, for the ocr job. */
    private static byte[] textImage(String text) throws IOException {
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(640, 120, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        java.awt.Graphics2D graphics = image.createGraphics();
        graphics.setColor(java.awt.Color.WHITE);
        graphics.fillRect(0, 0, image.getWidth(), image.getHeight());
        graphics.setColor(java.awt.Color.BLACK);
        graphics.setFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 40));
        graphics.drawString(text, 20, 75);
        graphics.dispose();
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(image, "png", png);
        return png.toByteArray();
    }

    /** "123.4 MB" to "123". */
    private static String megabytes(String value) {
        return value == null ? "?" : String.valueOf(Math.round(Double.parseDouble(value.replace(" MB", ""))));
    }

    /** utime + stime of a process, from /proc/PID/stat (clock ticks of 10 ms on Linux). */
    private static long cpuMillis(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // after "pid (comm) ": state is field 3, utime field 14, stime field 15
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10;
    }

    private static Map<String, String> procStatus(long pid) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                String value = line.substring(colon + 1).strip();
                if (value.endsWith(" kB")) {
                    value = String.format(Locale.ROOT, "%.1f MB", Long.parseLong(value.replace(" kB", "")) / 1024.0);
                }
                values.put(line.substring(0, colon), value);
            }
        }
        return values;
    }

    // ---- size --------------------------------------------------------------------------------------

    private static void size(Path tarball, Path installation) throws IOException {
        Map<String, Predicate<String>> parts = new LinkedHashMap<>();
        parts.put("runtime: lib/modules (JDK classes)", p -> p.equals("runtime/lib/modules"));
        parts.put("runtime: libjvm.so", p -> p.equals("runtime/lib/server/libjvm.so"));
        parts.put("runtime: default CDS archive", p -> p.startsWith("runtime/lib/server/") && p.endsWith(".jsa"));
        parts.put("runtime: other native libraries and files", p -> p.startsWith("runtime/"));
        parts.put("lib/capfabric.aot (AOT cache)", p -> p.equals("lib/capfabric.aot"));
        parts.put("lib/: kernel and its libraries", p -> p.startsWith("lib/"));
        try (Stream<Path> plugins = Files.list(installation.resolve("plugins"))) {
            plugins.sorted().forEach(plugin -> {
                String prefix = "plugins/" + plugin.getFileName() + "/";
                parts.put(prefix, p -> p.startsWith(prefix));
            });
        }
        parts.put("bin/, conf/, systemd/", p -> true);

        Map<String, long[]> sizes = new LinkedHashMap<>();
        parts.keySet().forEach(name -> sizes.put(name, new long[2]));
        Map<String, long[]> largestFiles = new LinkedHashMap<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(installation)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : files) {
            String relative = installation.relativize(file).toString();
            String part = parts.entrySet().stream().filter(e -> e.getValue().test(relative)).findFirst().orElseThrow().getKey();
            long raw = Files.size(file);
            long gz = gzipSize(file);
            sizes.get(part)[0] += raw;
            sizes.get(part)[1] += gz;
            largestFiles.put(relative, new long[] {raw, gz});
        }
        long tar = Files.size(tarball);
        long rawTotal = sizes.values().stream().mapToLong(v -> v[0]).sum();
        long gzTotal = sizes.values().stream().mapToLong(v -> v[1]).sum();
        System.out.println("### Size\n");
        System.out.printf(Locale.ROOT, "Tarball: **%.1f MB** (%d bytes); unpacked %.1f MB.%n%n", mb(tar), tar, mb(rawTotal));
        System.out.println("What takes the space (each file gzip-compressed alone, so the sum is close to the tarball):\n");
        System.out.println("| part | unpacked MB | compressed MB | share |");
        System.out.println("|---|---:|---:|---:|");
        sizes.forEach((name, v) -> System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.0f %% |%n",
                name, mb(v[0]), mb(v[1]), 100.0 * v[1] / gzTotal));
        System.out.printf(Locale.ROOT, "| **total** | %.1f | %.1f | |%n%n", mb(rawTotal), mb(gzTotal));
        System.out.println("Largest files (compressed MB): " + String.join(", ", largestFiles.entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[1]).reversed())
                .limit(8)
                .map(e -> String.format(Locale.ROOT, "`%s` %.1f", e.getKey(), mb(e.getValue()[1])))
                .toList()));
    }

    private static long gzipSize(Path file) throws IOException {
        CountingSink sink = new CountingSink();
        try (InputStream in = Files.newInputStream(file); OutputStream gzip = new GZIPOutputStream(sink, 1 << 16)) {
            in.transferTo(gzip);
        }
        return sink.count;
    }

    private static final class CountingSink extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------

    /** bin/capfabric as an operator runs it, in an environment free of the caller's capfabric and JVM settings. */
    private static ProcessBuilder node(Path installation, int port, Path work, Map<String, String> extra) {
        ProcessBuilder builder = new ProcessBuilder(installation.resolve("bin/capfabric").toString()).redirectErrorStream(true);
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(name -> name.startsWith("CAPFABRIC_")
                || name.equals("JAVA_OPTS") || name.equals("JAVA_TOOL_OPTIONS") || name.equals("JDK_JAVA_OPTIONS"));
        environment.put("CAPFABRIC_PORT", String.valueOf(port));
        environment.put("CAPFABRIC_HOST", "127.0.0.1");
        environment.put("CAPFABRIC_NODE_ID", "bench");
        environment.put("CAPFABRIC_WORK_DIR", work.toString());
        environment.putAll(extra);
        return builder;
    }

    private static Map<String, String> with(Map<String, String> settings, Map<String, String> more) {
        Map<String, String> combined = new LinkedHashMap<>(settings);
        combined.putAll(more);
        return combined;
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    private static String machine() throws IOException {
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(l -> l.startsWith("model name")).findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("?");
        return String.format(Locale.ROOT, "Machine: %d logical CPUs (%s), %.1f GB RAM, load average at start %s.%n",
                Runtime.getRuntime().availableProcessors(), cpu,
                Long.parseLong(Files.readAllLines(Path.of("/proc/meminfo")).getFirst().replaceAll("\\D", "")) / 1048576.0,
                loadAverage());
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static long median(List<Long> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static int count(String text, String needle) {
        int count = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            count++;
        }
        return count;
    }

    private static double mb(long bytes) {
        return bytes / 1048576.0;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void run(ProcessBuilder builder) throws IOException, InterruptedException {
        Process process = builder.inheritIO().start();
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", builder.command()) + " failed");
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
