package dev.capfabric.bench.dispatch;

import java.io.File;
import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.module.ResolvedModule;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Local dispatch over HTTP against a bare Helidon handler, in one run: jobs per second and p50/p99
 * latency of {@code POST /v1/capability/noop} (a provider that does no work), the kernel's figures as
 * a share of the bare handler's. Two kernels: one whose no-op provider declares
 * {@code Threading.VIRTUAL} (what a provider that does no native work declares: jobs run on the
 * request's thread), one whose provider declares {@code PLATFORM} (jobs handed to a platform worker).
 *
 * <p>The servers run in JVMs of their own with the same options (by default those of
 * {@code bin/capfabric}); the same closed-loop client ({@link HttpLoad}) drives them in turns,
 * rotating which goes first each round, and the medians over the rounds are reported.
 *
 * <p>The bare handler discards the body ({@code --bare-body discard}, the default and the figure since the
 * first wave), reads exactly its declared length as the kernel does ({@code exact}), or both run as two
 * servers in one run ({@code both}). {@code --initial-warmup-s S} loads each server once before the first
 * round, so that no counted turn runs code still being compiled.
 *
 * <p>Run on demand: see docs/BENCHMARKS.md, "Dispatch".
 */
public final class DispatchHttpBench {

    /** The JVM options bin/capfabric gives a node on a machine of up to 4 CPUs, for every server. */
    static final String LAUNCHER_OPTIONS = "-XX:+UseParallelGC -Xms16m -XX:MaxRAMPercentage=50 -XX:MaxRAM=48g"
            + " -XX:TrimNativeHeapInterval=5000 -XX:MaxHeapFreeRatio=50 -XX:-ShrinkHeapInSteps -XX:CompileThresholdScaling=10";
    private static final byte[] BODY = "{\"text\":\"hello\"}".getBytes(StandardCharsets.UTF_8);
    private static final String PATH = "/v1/capability/noop";

    private DispatchHttpBench() {
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        LoadOptions.KernelModules modules = LoadOptions.KernelModules.ofClassPath();
        List<Path> kernelModules = modules.kernel();
        Path spi = modules.spi();
        String java = ProcessHandle.current().info().command().orElse("java");

        Path home = Files.createTempDirectory("capfabric-dispatch-bench");
        List<String> jvm = new ArrayList<>(List.of(java));
        jvm.addAll(Arrays.asList(options.jvmOptions().strip().split("\\s+")));
        List<String> bareBodies = options.bareBody().equals("both") ? List.of("discard", "exact") : List.of(options.bareBody());
        List<ServerProcess> bares = new ArrayList<>();
        try (ServerProcess virtual = startKernel("kernel, no-op on the request thread", "VIRTUAL", home, jvm, kernelModules, spi, options);
             ServerProcess platform = startKernel("kernel, no-op on a platform worker", "PLATFORM", home, jvm, kernelModules, spi, options);
             AutoCloseable closesBares = () -> {
                 for (ServerProcess bare : bares) {
                     bare.close();
                 }
             }) {
            for (String bareBody : bareBodies) {
                List<String> bareCommand = new ArrayList<>(jvm);
                int barePort = freePort();
                bareCommand.addAll(List.of("-cp", System.getProperty("java.class.path"), BareHelidonServer.class.getName(),
                        String.valueOf(barePort), bareBody));
                bares.add(ServerProcess.start(bareBody.equals("exact") ? "bare Helidon handler, exact body read" : "bare Helidon handler",
                        bareCommand, Map.of(), barePort, home.resolve("bare-" + bareBody + ".log")));
            }
            ServerProcess bare = bares.getFirst();
            List<ServerProcess> servers = new ArrayList<>(List.of(virtual, platform));
            servers.addAll(bares);
            byte[] expected = bare.awaitAnswer(PATH, BODY, Duration.ofSeconds(60)).body();
            for (ServerProcess other : servers) {
                if (other == bare) {
                    continue;
                }
                HttpResponse<byte[]> answer = other.awaitAnswer(PATH, BODY, Duration.ofSeconds(60));
                if (!Arrays.equals(answer.body(), expected)) {
                    throw new IllegalStateException("the servers answer differently: " + other.name() + " "
                            + new String(answer.body()) + ", bare " + new String(expected));
                }
            }
            System.err.printf("all answer %s; client: %d connections, %d s warm-up + %d s measured per turn, %d rounds%n",
                    new String(expected, StandardCharsets.UTF_8), options.connections(), options.warmupSeconds(),
                    options.measureSeconds(), options.rounds());

            if (options.initialWarmupSeconds() > 0) {
                // each server's JIT settles once, under the same load, before any turn counts
                for (ServerProcess server : servers) {
                    HttpLoad.Result warm = new HttpLoad(new InetSocketAddress("127.0.0.1", server.port()),
                            HttpLoad.post(PATH, "application/json", BODY)).run(options.connections(),
                            Duration.ofSeconds(options.initialWarmupSeconds()), Duration.ofSeconds(1), server::cpuNanos);
                    System.err.printf(Locale.ROOT, "warm-up %-36s %9.0f jobs/s at its end%n", server.name(), warm.perSecond());
                }
            }
            Map<ServerProcess, List<HttpLoad.Result>> runs = new LinkedHashMap<>();
            servers.forEach(server -> runs.put(server, new ArrayList<>()));
            for (int round = 0; round < options.rounds(); round++) {
                List<ServerProcess> order = new ArrayList<>(servers);
                Collections.rotate(order, round);
                for (ServerProcess server : order) {
                    HttpLoad load = new HttpLoad(new InetSocketAddress("127.0.0.1", server.port()),
                            HttpLoad.post(PATH, "application/json", BODY));
                    HttpLoad.Result result = load.run(options.connections(), Duration.ofSeconds(options.warmupSeconds()),
                            Duration.ofSeconds(options.measureSeconds()), server::cpuNanos);
                    runs.get(server).add(result);
                    System.err.printf(Locale.ROOT, "round %d %-36s %9.0f jobs/s  p50 %7.0f µs  p99 %7.0f µs  server CPU %5.1f µs/job  errors %d %s%n",
                            round + 1, server.name(), result.perSecond(), result.micros(0.50), result.micros(0.99),
                            result.serverCpuMicrosPerJob(), result.errors(), result.errors() == 0 ? "" : "by status " + result.why());
                }
            }
            String report = report(options, runs, bares);
            System.out.println(report);
            if (options.out() != null) {
                Files.writeString(options.out(), report);
            }
        }
        deleteTree(home);
    }

    private static ServerProcess startKernel(String name, String threading, Path root, List<String> jvm, List<Path> kernelModules,
                                             Path spi, Options options) throws Exception {
        return startKernel(name, threading, "noop", root, jvm, kernelModules, spi, options.providerConcurrency());
    }

    /** A kernel from {@code Main} on the module path, in a JVM of its own, with a no-op plugin of {@code capability}. */
    static ServerProcess startKernel(String name, String threading, String capability, Path root, List<String> jvm,
                                     List<Path> kernelModules, Path spi, int providerConcurrency) throws Exception {
        Path home = Files.createDirectories(root.resolve("kernel-" + threading.toLowerCase(Locale.ROOT)));
        NoopPlugin.build(home.resolve("plugins/noop.jar"), spi, providerConcurrency, threading, capability);
        List<String> command = new ArrayList<>(jvm);
        command.addAll(List.of("--sun-misc-unsafe-memory-access=allow", "--enable-native-access=capfabric.kernel,ALL-UNNAMED",
                "--add-modules", "ALL-SYSTEM", "-Dcapfabric.home=" + home,
                "--module-path", String.join(File.pathSeparator, kernelModules.stream().map(Path::toString).toList()),
                "--module", "capfabric.kernel/dev.capfabric.kernel.Main"));
        int port = freePort();
        return ServerProcess.start(name, command, Map.of("CAPFABRIC_HOME", home.toString(), "CAPFABRIC_NODE_ID", "bench",
                "CAPFABRIC_HOST", "127.0.0.1", "CAPFABRIC_PORT", String.valueOf(port)), port, home.resolve("kernel.log"));
    }

    static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static String report(Options options, Map<ServerProcess, List<HttpLoad.Result>> runs, List<ServerProcess> bares) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Machine: %d cores (%s), %s, JDK %s; server JVM options: %s%n%n",
                Runtime.getRuntime().availableProcessors(), cpuModel(), System.getProperty("os.name") + " "
                        + System.getProperty("os.version"), Runtime.version(), options.jvmOptions()));
        out.append(String.format(Locale.ROOT, "Client: %d keep-alive connections, closed loop; %s%d rounds of %d s measured "
                        + "(after %d s warm-up) per server, turns rotating; medians over rounds. No-op provider concurrency %d.%n%n",
                options.connections(), options.initialWarmupSeconds() > 0
                        ? options.initialWarmupSeconds() + " s of load per server before the first round, then " : "",
                options.rounds(), options.measureSeconds(), options.warmupSeconds(), options.providerConcurrency()));
        out.append("| server | jobs/s | p50 µs | p99 µs | server CPU µs/job | errors |");
        bares.forEach(bare -> out.append(" jobs/s / ").append(bare.name()).append(" |"));
        out.append("\n|---|---:|---:|---:|---:|---:|").append("---:|".repeat(bares.size())).append('\n');
        runs.forEach((server, results) -> {
            out.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.1f | %d |",
                    server.name(), median(results, HttpLoad.Result::perSecond), median(results, r -> r.micros(0.50)),
                    median(results, r -> r.micros(0.99)), median(results, HttpLoad.Result::serverCpuMicrosPerJob),
                    results.stream().mapToLong(HttpLoad.Result::errors).sum()));
            for (ServerProcess bare : bares) {
                out.append(bares.contains(server) ? " |" : String.format(Locale.ROOT, " **%.2f** |",
                        median(results, HttpLoad.Result::perSecond) / median(runs.get(bare), HttpLoad.Result::perSecond)));
            }
            out.append('\n');
        });
        runs.forEach((server, results) -> {
            if (bares.contains(server)) {
                return;
            }
            for (ServerProcess bare : bares) {
                out.append("\nPer round (jobs/s, ").append(server.name()).append(" / ").append(bare.name()).append("): ");
                double[] ratios = new double[results.size()];
                for (int i = 0; i < results.size(); i++) {
                    double kernel = results.get(i).perSecond();
                    double bareRound = runs.get(bare).get(i).perSecond();
                    ratios[i] = kernel / bareRound;
                    out.append(String.format(Locale.ROOT, "%s%.0f / %.0f (%.2f)", i == 0 ? "" : "; ", kernel, bareRound, ratios[i]));
                }
                out.append(String.format(Locale.ROOT, "; median of the rounds' ratios %.2f%n", median(ratios)));
            }
        });
        return out.toString();
    }

    private static double median(List<HttpLoad.Result> results, java.util.function.ToDoubleFunction<HttpLoad.Result> figure) {
        return median(results.stream().mapToDouble(figure).toArray());
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    /**
     * The jars {@code root} needs, found among {@code classpath}: what {@code --module-path} must hold
     * to run it, and no more (the benchmark's own dependencies, such as other plugins, stay out).
     */
    static List<Path> modulesOf(String root, List<Path> classpath) {
        Path[] jars = classpath.stream().filter(p -> p.toString().endsWith(".jar") || Files.exists(p.resolve("module-info.class")))
                .toArray(Path[]::new);
        Configuration configuration = ModuleLayer.boot().configuration()
                .resolve(ModuleFinder.of(jars), ModuleFinder.ofSystem(), Set.of(root));
        List<Path> modules = new ArrayList<>();
        for (ResolvedModule module : configuration.modules()) {
            module.reference().location().filter(uri -> uri.getScheme().equals("file")).map(Path::of).ifPresent(modules::add);
        }
        modules.sort(null);
        return modules;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The load options, and which provider concurrency and JVM options the kernels get. */
    private record Options(int connections, int warmupSeconds, int measureSeconds, int rounds, int initialWarmupSeconds,
                           int providerConcurrency, String jvmOptions, String bareBody, Path out) {

        static Options parse(String[] args) {
            LoadOptions load = LoadOptions.parse(args, new int[]{15, 10, 5},
                    Set.of("provider-concurrency", "jvm-options", "bare-body", "initial-warmup-s"));
            return new Options(load.connections(), load.warmupSeconds(), load.measureSeconds(), load.rounds(),
                    Integer.parseInt(load.extra().getOrDefault("initial-warmup-s", "0")),
                    Integer.parseInt(load.extra().getOrDefault("provider-concurrency", "2")),
                    load.extra().getOrDefault("jvm-options", LAUNCHER_OPTIONS), load.extra().getOrDefault("bare-body", "discard"),
                    load.out().orElse(null));
        }
    }
}
