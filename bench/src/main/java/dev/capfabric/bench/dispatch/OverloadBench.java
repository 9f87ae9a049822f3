package dev.capfabric.bench.dispatch;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Overload of a real node (issue 11, item 12): 3× the ocr capacity for a phase with page-sized images,
 * then the same with tts load beside it; reports, for the jobs the node accepted, how long they took
 * against their deadline and how many still ended in 504, what it refused and how, and the node's
 * resident memory (peak, at the end of the load, and after it sat idle).
 *
 * <pre>java bench/src/main/java/dev/capfabric/bench/dispatch/OverloadBench.java distribution/target/capfabric-VERSION-linux-x86_64.tar.gz
 *      [--phase-s 60] [--idle-s 60] [--deadline-ms 20000] [--factor 3] [--tts-clients 4] [NAME=VALUE ...]</pre>
 *
 * The node runs from the unpacked tarball as an operator starts it ({@code bin/capfabric}, shipped
 * configuration); NAME=VALUE pairs go into its environment. JDK only (a JDK 25 runs this file). Prints
 * Markdown for docs/BENCHMARKS.md.
 */
public final class OverloadBench {

    private record Sample(String phase, String capability, int status, String kind, long millis) {
    }

    private record Rss(long atMillis, long rssKb, long anonKb) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        Map<String, String> environment = new LinkedHashMap<>();
        Path tarball = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--")) {
                options.put(args[i].substring(2), args[++i]);
            } else if (args[i].contains("=")) {
                environment.put(args[i].substring(0, args[i].indexOf('=')), args[i].substring(args[i].indexOf('=') + 1));
            } else {
                tarball = Path.of(args[i]).toAbsolutePath();
            }
        }
        if (tarball == null) {
            throw new IllegalArgumentException("usage: java OverloadBench.java <tarball> [--phase-s 60] [--idle-s 60] "
                    + "[--deadline-ms 20000] [--factor 3] [--tts-clients 4] [NAME=VALUE ...]");
        }
        int phaseSeconds = Integer.parseInt(options.getOrDefault("phase-s", "60"));
        int idleSeconds = Integer.parseInt(options.getOrDefault("idle-s", "60"));
        long deadlineMillis = Long.parseLong(options.getOrDefault("deadline-ms", "20000"));
        double factor = Double.parseDouble(options.getOrDefault("factor", "3"));
        int ttsClients = Integer.parseInt(options.getOrDefault("tts-clients", "4"));

        Path scratch = Files.createTempDirectory("capfabric-overload");
        run(new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", scratch.toString()));
        Path installation;
        try (Stream<Path> entries = Files.list(scratch)) {
            installation = entries.filter(Files::isDirectory).findFirst().orElseThrow();
        }
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        URI node = URI.create("http://127.0.0.1:" + port);
        ProcessBuilder builder = new ProcessBuilder(installation.resolve("bin/capfabric").toString())
                .redirectErrorStream(true).redirectOutput(scratch.resolve("node.log").toFile());
        builder.environment().put("CAPFABRIC_PORT", String.valueOf(port));
        builder.environment().put("CAPFABRIC_HOST", "127.0.0.1");
        builder.environment().put("CAPFABRIC_NODE_ID", "overload");
        builder.environment().putAll(environment);
        Process process = builder.start();
        try {
            String caps = awaitCaps(node, c -> c.contains("\"ocr\"") && c.contains("\"tts\""), Duration.ofMinutes(3));
            long pid = javaPid(process);
            int ocrConcurrency = usableConcurrency(caps, "ocr");
            List<byte[]> pages = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                pages.add(page(i));
            }
            // warm-up: the engines load, the lane learns the service time; the median of the later ones is the capacity
            List<Long> warm = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Sample sample = ocr(node, pages.get(i % pages.size()), 120_000, "warm-up");
                if (sample.status() != 200) {
                    throw new IllegalStateException("warm-up ocr job answered " + sample.status() + " " + sample.kind());
                }
                warm.add(sample.millis());
            }
            List<Long> later = new ArrayList<>(warm.subList(3, warm.size()));
            Collections.sort(later);
            long serviceMillis = later.get(later.size() / 2);
            double capacity = ocrConcurrency * 1000.0 / serviceMillis;
            double rate = factor * capacity;
            tts(node, 120_000, "warm-up");

            List<Rss> rss = new ArrayList<>();
            long t0 = System.nanoTime();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                while (sampling.get()) {
                    long[] now = rss(pid);
                    synchronized (rss) {
                        rss.add(new Rss((System.nanoTime() - t0) / 1_000_000, now[0], now[1]));
                    }
                    sleep(500);
                }
            });
            long rssBefore = rss(pid)[0];

            ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
            List<Thread> inFlight = Collections.synchronizedList(new ArrayList<>());
            // phase 1: ocr alone; phase 2: the same ocr load with tts clients beside it
            openLoop(node, pages, rate, phaseSeconds, deadlineMillis, "ocr 3x", samples, inFlight);
            AtomicBoolean ttsRunning = new AtomicBoolean(true);
            List<Thread> tts = new ArrayList<>();
            for (int i = 0; i < ttsClients; i++) {
                tts.add(Thread.ofVirtual().start(() -> {
                    while (ttsRunning.get()) {
                        samples.add(tts(node, 60_000, "ocr 3x + tts"));
                    }
                }));
            }
            openLoop(node, pages, rate, phaseSeconds, deadlineMillis, "ocr 3x + tts", samples, inFlight);
            ttsRunning.set(false);
            for (Thread thread : tts) {
                thread.join();
            }
            for (Thread thread : List.copyOf(inFlight)) {
                thread.join();
            }
            long loadEnd = (System.nanoTime() - t0) / 1_000_000;
            long rssAtEnd = rss(pid)[0];
            Thread.sleep(idleSeconds * 1000L);
            long[] rssIdle = rss(pid);
            sampling.set(false);
            sampler.join();

            report(samples, rss, rssBefore, rssAtEnd, rssIdle, loadEnd, ocrConcurrency, serviceMillis, capacity, rate,
                    deadlineMillis, phaseSeconds, idleSeconds, ttsClients, environment);
        } finally {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** Sends ocr jobs at {@code rate} per second for {@code seconds}, each on its own virtual thread, not waiting for answers. */
    private static void openLoop(URI node, List<byte[]> pages, double rate, int seconds, long deadlineMillis, String phase,
                                 ConcurrentLinkedQueue<Sample> samples, List<Thread> inFlight) {
        long interval = (long) (1e9 / rate);
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        int n = 0;
        for (long next = start; next < end; next += interval, n++) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            byte[] page = pages.get(n % pages.size());
            inFlight.add(Thread.ofVirtual().start(() -> samples.add(ocr(node, page, deadlineMillis, phase))));
        }
    }

    private static Sample ocr(URI node, byte[] png, long deadlineMillis, String phase) {
        return post(node.resolve("/v1/capability/ocr"), "image/png", png, deadlineMillis, phase, "ocr");
    }

    private static Sample tts(URI node, long deadlineMillis, String phase) {
        String text = "The quick brown fox jumps over the lazy dog while the overloaded node keeps its promises. ".repeat(4);
        byte[] json = ("{\"text\":\"" + text + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return post(node.resolve("/v1/capability/tts"), "application/json", json, deadlineMillis, phase, "tts");
    }

    private static Sample post(URI uri, String type, byte[] body, long deadlineMillis, String phase, String capability) {
        HttpRequest request = HttpRequest.newBuilder(uri).header("Content-Type", type)
                .header("X-Request-Timeout", String.valueOf(deadlineMillis))
                .timeout(Duration.ofMillis(deadlineMillis + 30_000))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        long start = System.nanoTime();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            Matcher kind = Pattern.compile("\"kind\"\\s*:\\s*\"([a-z_]+)\"").matcher(response.body());
            String name = response.statusCode() == 200 ? "" : kind.find() ? kind.group(1) : "?";
            if (name.equals("overloaded") && response.body().contains("\"waited_ms\"")) {
                // admitted, then answered from the queue unrun once it could no longer make its deadline
                name = "overloaded_from_queue";
            }
            return new Sample(phase, capability, response.statusCode(), name, (System.nanoTime() - start) / 1_000_000);
        } catch (IOException | InterruptedException e) {
            return new Sample(phase, capability, -1, e.getClass().getSimpleName(), (System.nanoTime() - start) / 1_000_000);
        }
    }

    /** An A4 page at 150 dpi, 40 lines of prose in a 12 pt serif face, as PNG: about a second of Tesseract. */
    static byte[] page(int seed) throws IOException {
        String[] words = ("the of and to in is was for that with as on by at from his her which or an were are this be had "
                + "node fabric capability queue deadline provider worker overload memory answer engine page image text "
                + "recognition machine network request service measure").split(" ");
        BufferedImage image = new BufferedImage(1240, 1754, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(Color.BLACK);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SERIF, Font.PLAIN, 25));
        Random random = new Random(seed);
        for (int line = 0; line < 40; line++) {
            StringBuilder text = new StringBuilder();
            while (text.length() < 70) {
                text.append(words[random.nextInt(words.length)]).append(' ');
            }
            g.drawString(text.toString().strip(), 110, 150 + line * 38);
        }
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        javax.imageio.ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    private static void report(ConcurrentLinkedQueue<Sample> samples, List<Rss> rss, long rssBefore, long rssAtEnd, long[] rssIdle,
                               long loadEnd, int concurrency, long serviceMillis, double capacity, double rate, long deadline,
                               int phaseSeconds, int idleSeconds, int ttsClients, Map<String, String> environment) {
        System.out.printf(Locale.ROOT, "Overload run %s, load average at the end %s; ocr: %d at once, warm service time %d ms "
                        + "(capacity %.2f jobs/s), offered %.2f jobs/s for %d s alone then %d s beside %d tts clients; "
                        + "deadline %d ms; idle %d s after; node environment %s%n%n",
                Instant.now(), loadAverage(), concurrency, serviceMillis, capacity, rate, phaseSeconds, phaseSeconds, ttsClients,
                deadline, idleSeconds, environment);
        System.out.println("| phase | capability | sent | 200 | refused 429 (kinds) | 503 | accepted | 504 among accepted | "
                + "accepted p50 ms | accepted p99 ms | p99 / deadline |");
        System.out.println("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|");
        Map<String, List<Sample>> groups = new TreeMap<>();
        for (Sample s : samples) {
            groups.computeIfAbsent(s.phase() + "|" + s.capability(), k -> new ArrayList<>()).add(s);
        }
        groups.forEach((key, list) -> {
            String[] parts = key.split("\\|");
            Map<String, Integer> refusedKinds = new TreeMap<>();
            long ok = 0;
            long unavailable = 0;
            List<Long> accepted = new ArrayList<>();
            long timeouts = 0;
            for (Sample s : list) {
                if (s.status() == 429) {
                    refusedKinds.merge(s.kind(), 1, Integer::sum);
                    continue;
                }
                if (s.status() == 503) {
                    unavailable++;
                    continue;
                }
                accepted.add(s.millis());
                ok += s.status() == 200 ? 1 : 0;
                timeouts += s.status() == 504 ? 1 : 0;
            }
            Collections.sort(accepted);
            long limit = parts[1].equals("ocr") ? deadline : 60_000;
            System.out.printf(Locale.ROOT, "| %s | %s | %d | %d | %d %s | %d | %d | %d | %d | %d | %.2f |%n", parts[0], parts[1],
                    list.size(), ok, refusedKinds.values().stream().mapToInt(Integer::intValue).sum(), refusedKinds, unavailable,
                    accepted.size(), timeouts, percentile(accepted, 0.5), percentile(accepted, 0.99),
                    percentile(accepted, 0.99) / (double) limit);
        });
        List<Long> fromQueue = samples.stream().filter(s -> s.kind().equals("overloaded_from_queue")).map(Sample::millis).sorted().toList();
        if (!fromQueue.isEmpty()) {
            System.out.printf(Locale.ROOT, "%nAnswered 429 from the queue (unrun): %d, answered after p50 %d ms, max %d ms (deadline %d ms)%n",
                    fromQueue.size(), percentile(fromQueue, 0.5), fromQueue.getLast(), deadline);
        }
        long peak = rss.stream().mapToLong(Rss::rssKb).max().orElse(0);
        System.out.printf(Locale.ROOT, "%nVmRSS MB: before the load %d, peak %d, at the end of the load (%d s) %d, %d s later %d "
                        + "(RssAnon %d)%n", rssBefore / 1024, peak / 1024, loadEnd / 1000, rssAtEnd / 1024, idleSeconds,
                rssIdle[0] / 1024, rssIdle[1] / 1024);
    }

    private static long percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    private static int usableConcurrency(String caps, String capability) {
        // "providers": [{ "id": ..., "capability": "ocr", "status": "usable", ... "concurrency": N }]
        int total = 0;
        Matcher provider = Pattern.compile("\\{[^{}]*\"capability\"\\s*:\\s*\"" + capability + "\"[^{}]*}").matcher(caps.replaceAll("\"extra\"\\s*:\\s*\\{[^{}]*}", ""));
        while (provider.find()) {
            String p = provider.group();
            Matcher concurrency = Pattern.compile("\"concurrency\"\\s*:\\s*(\\d+)").matcher(p);
            if ((p.contains("\"usable\"") || p.contains("\"degraded\"")) && concurrency.find()) {
                total += Integer.parseInt(concurrency.group(1));
            }
        }
        return Math.max(1, total);
    }

    private static String awaitCaps(URI node, java.util.function.Predicate<String> ready, Duration limit) throws Exception {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            try {
                HttpResponse<String> caps = HTTP.send(HttpRequest.newBuilder(node.resolve("/caps")).build(), HttpResponse.BodyHandlers.ofString());
                if (caps.statusCode() == 200 && ready.test(caps.body())) {
                    return caps.body();
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the node did not list ocr and tts within " + limit);
    }

    /** The JVM's pid: the launcher execs java, or runs it as its child. */
    private static long javaPid(Process process) {
        return process.descendants().filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false))
                .map(ProcessHandle::pid).findFirst().orElse(process.pid());
    }

    private static long[] rss(long pid) {
        try {
            String status = Files.readString(Path.of("/proc/" + pid + "/status"));
            return new long[]{field(status, "VmRSS"), field(status, "RssAnon")};
        } catch (IOException e) {
            return new long[]{0, 0};
        }
    }

    private static long field(String status, String name) {
        Matcher m = Pattern.compile(name + ":\\s+(\\d+) kB").matcher(status);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    private static void run(ProcessBuilder builder) throws IOException, InterruptedException {
        Process p = builder.inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(builder.command() + " failed");
        }
    }

    private static void sleep(long millis) {
        sleep(millis, 0);
    }

    private static void sleep(long millis, int nanos) {
        try {
            Thread.sleep(millis, nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
