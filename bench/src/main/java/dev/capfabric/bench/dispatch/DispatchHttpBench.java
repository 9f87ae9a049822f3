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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Local dispatch over HTTP against a bare Helidon handler, in one run: jobs per second and p50/p99
 * latency of {@code POST /v1/capability/noop} (a provider that does no work), the kernel's figures as
 * a share of the bare handler's.
 *
 * <p>Both servers run in JVMs of their own with the same options (by default those of
 * {@code bin/capfabric}); the same closed-loop client ({@link HttpLoad}) drives them in turns,
 * alternating which goes first each round, and the medians over the rounds are reported.
 *
 * <p>Run on demand: see docs/BENCHMARKS.md, "Dispatch".
 */
public final class DispatchHttpBench {

    /** The JVM options of bin/capfabric (SerialGC, small initial heap), for both servers. */
    private static final String LAUNCHER_OPTIONS = "-XX:+UseSerialGC -Xms32m -XX:MaxRAMPercentage=50 -Xss512k";
    private static final byte[] BODY = "{\"text\":\"hello\"}".getBytes(StandardCharsets.UTF_8);
    private static final String PATH = "/v1/capability/noop";

    private DispatchHttpBench() {
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        List<Path> classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(Path::of).filter(Files::exists).toList();
        List<Path> kernelModules = modulesOf("capfabric.kernel", classpath);
        Path spi = modulesOf("capfabric.spi", classpath).getFirst();
        String java = ProcessHandle.current().info().command().orElse("java");

        Path home = Files.createTempDirectory("capfabric-dispatch-bench");
        NoopPlugin.build(home.resolve("plugins/noop.jar"), spi, options.providerConcurrency);
        List<String> jvm = new ArrayList<>(List.of(java));
        jvm.addAll(Arrays.asList(options.jvmOptions.strip().split("\\s+")));

        List<String> kernelCommand = new ArrayList<>(jvm);
        kernelCommand.addAll(List.of("--sun-misc-unsafe-memory-access=allow", "--enable-native-access=capfabric.kernel,ALL-UNNAMED",
                "--add-modules", "ALL-SYSTEM", "-Dcapfabric.home=" + home,
                "--module-path", String.join(File.pathSeparator, kernelModules.stream().map(Path::toString).toList()),
                "--module", "capfabric.kernel/dev.capfabric.kernel.Main"));
        int kernelPort = freePort();
        List<String> bareCommand = new ArrayList<>(jvm);
        int barePort = freePort();
        bareCommand.addAll(List.of("-cp", System.getProperty("java.class.path"), BareHelidonServer.class.getName(),
                String.valueOf(barePort)));

        try (ServerProcess kernel = ServerProcess.start("kernel", kernelCommand, Map.of(
                     "CAPFABRIC_HOME", home.toString(), "CAPFABRIC_NODE_ID", "bench", "CAPFABRIC_HOST", "127.0.0.1",
                     "CAPFABRIC_PORT", String.valueOf(kernelPort)), kernelPort, home.resolve("kernel.log"));
             ServerProcess bare = ServerProcess.start("bare Helidon", bareCommand, Map.of(), barePort, home.resolve("bare.log"))) {
            HttpResponse<byte[]> fromKernel = kernel.awaitAnswer(PATH, BODY, Duration.ofSeconds(60));
            HttpResponse<byte[]> fromBare = bare.awaitAnswer(PATH, BODY, Duration.ofSeconds(60));
            if (!Arrays.equals(fromKernel.body(), fromBare.body())) {
                throw new IllegalStateException("the servers answer differently: kernel " + new String(fromKernel.body())
                        + ", bare " + new String(fromBare.body()));
            }
            System.err.printf("both answer %s; client: %d connections, %d s warm-up + %d s measured per turn, %d rounds%n",
                    new String(fromKernel.body(), StandardCharsets.UTF_8), options.connections, options.warmupSeconds,
                    options.measureSeconds, options.rounds);

            List<HttpLoad.Result> kernelRuns = new ArrayList<>();
            List<HttpLoad.Result> bareRuns = new ArrayList<>();
            for (int round = 0; round < options.rounds; round++) {
                List<ServerProcess> order = round % 2 == 0 ? List.of(kernel, bare) : List.of(bare, kernel);
                for (ServerProcess server : order) {
                    HttpLoad load = new HttpLoad(new InetSocketAddress("127.0.0.1", server.port()),
                            HttpLoad.post(PATH, "application/json", BODY));
                    HttpLoad.Result result = load.run(options.connections, Duration.ofSeconds(options.warmupSeconds),
                            Duration.ofSeconds(options.measureSeconds), server::cpuNanos);
                    (server == kernel ? kernelRuns : bareRuns).add(result);
                    System.err.printf(Locale.ROOT, "round %d %-12s %9.0f jobs/s  p50 %7.0f µs  p99 %7.0f µs  server CPU %5.1f µs/job  errors %d%n",
                            round + 1, server.name(), result.perSecond(), result.micros(0.50), result.micros(0.99),
                            result.serverCpuMicrosPerJob(), result.errors());
                }
            }
            String report = report(options, kernelRuns, bareRuns);
            System.out.println(report);
            if (options.out != null) {
                Files.writeString(options.out, report);
            }
        }
        deleteTree(home);
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static String report(Options options, List<HttpLoad.Result> kernel, List<HttpLoad.Result> bare) {
        double kernelRate = median(kernel.stream().mapToDouble(HttpLoad.Result::perSecond).toArray());
        double bareRate = median(bare.stream().mapToDouble(HttpLoad.Result::perSecond).toArray());
        double kernelP50 = median(kernel.stream().mapToDouble(r -> r.micros(0.50)).toArray());
        double bareP50 = median(bare.stream().mapToDouble(r -> r.micros(0.50)).toArray());
        double kernelP99 = median(kernel.stream().mapToDouble(r -> r.micros(0.99)).toArray());
        double bareP99 = median(bare.stream().mapToDouble(r -> r.micros(0.99)).toArray());
        double kernelCpu = median(kernel.stream().mapToDouble(HttpLoad.Result::serverCpuMicrosPerJob).toArray());
        double bareCpu = median(bare.stream().mapToDouble(HttpLoad.Result::serverCpuMicrosPerJob).toArray());
        long kernelErrors = kernel.stream().mapToLong(HttpLoad.Result::errors).sum();
        long bareErrors = bare.stream().mapToLong(HttpLoad.Result::errors).sum();
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Machine: %d cores (%s), %s, JDK %s; server JVM options: %s%n%n",
                Runtime.getRuntime().availableProcessors(), cpuModel(), System.getProperty("os.name") + " "
                        + System.getProperty("os.version"), Runtime.version(), options.jvmOptions));
        out.append(String.format(Locale.ROOT, "Client: %d keep-alive connections, closed loop; %d rounds of %d s measured "
                        + "(after %d s warm-up) per server, turns alternating; medians over rounds. No-op provider concurrency %d.%n%n",
                options.connections, options.rounds, options.measureSeconds, options.warmupSeconds, options.providerConcurrency));
        out.append("| server | jobs/s | p50 µs | p99 µs | server CPU µs/job | errors |\n|---|---:|---:|---:|---:|---:|\n");
        out.append(String.format(Locale.ROOT, "| kernel, no-op provider | %.0f | %.0f | %.0f | %.1f | %d |%n",
                kernelRate, kernelP50, kernelP99, kernelCpu, kernelErrors));
        out.append(String.format(Locale.ROOT, "| bare Helidon handler | %.0f | %.0f | %.0f | %.1f | %d |%n",
                bareRate, bareP50, bareP99, bareCpu, bareErrors));
        out.append(String.format(Locale.ROOT, "| **kernel / bare** | **%.2f** | %.2f | %.2f | %.2f | |%n", kernelRate / bareRate,
                kernelP50 / bareP50, kernelP99 / bareP99, kernelCpu / bareCpu));
        out.append("\nPer round (jobs/s, kernel / bare): ");
        for (int i = 0; i < kernel.size(); i++) {
            out.append(String.format(Locale.ROOT, "%s%.0f / %.0f (%.2f)", i == 0 ? "" : "; ", kernel.get(i).perSecond(),
                    bare.get(i).perSecond(), kernel.get(i).perSecond() / bare.get(i).perSecond()));
        }
        out.append('\n');
        return out.toString();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String cpuModel() {
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
    private static List<Path> modulesOf(String root, List<Path> classpath) {
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

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static final class Options {
        int connections = 16;
        int warmupSeconds = 15;
        int measureSeconds = 10;
        int rounds = 5;
        int providerConcurrency = 2;
        String jvmOptions = LAUNCHER_OPTIONS;
        Path out;

        static Options parse(String[] args) {
            Options options = new Options();
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--connections" -> options.connections = Integer.parseInt(args[++i]);
                    case "--warmup-s" -> options.warmupSeconds = Integer.parseInt(args[++i]);
                    case "--measure-s" -> options.measureSeconds = Integer.parseInt(args[++i]);
                    case "--rounds" -> options.rounds = Integer.parseInt(args[++i]);
                    case "--provider-concurrency" -> options.providerConcurrency = Integer.parseInt(args[++i]);
                    case "--jvm-options" -> options.jvmOptions = args[++i];
                    case "--out" -> options.out = Path.of(args[++i]);
                    default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; use --connections N, "
                            + "--warmup-s S, --measure-s S, --rounds N, --provider-concurrency N, --jvm-options \"...\", --out FILE");
                }
            }
            return options;
        }
    }
}
