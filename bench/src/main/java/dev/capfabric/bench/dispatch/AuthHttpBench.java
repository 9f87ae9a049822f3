package dev.capfabric.bench.dispatch;

import dev.capfabric.kernel.auth.KeyMaker;
import dev.capfabric.kernel.auth.Scope;
import dev.capfabric.kernel.fabric.identity.Certificates;

import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.File;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
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
 * What API keys and TLS cost per job: {@code POST /v1/capability/noop} (a provider that does no work,
 * on the request's thread) against three kernels in JVMs of their own, driven in turns by the same
 * closed-loop client ({@link HttpLoad}): no keys over plain HTTP, an API key on every request, and an
 * API key over HTTPS (keep-alive connections, so the handshake is paid once per connection). Medians
 * over rounds, each as a share of the no-keys kernel.
 *
 * <p>Run on demand: see docs/BENCHMARKS.md, "Security".
 */
public final class AuthHttpBench {

    private static final String LAUNCHER_OPTIONS = "-XX:+UseParallelGC -Xms16m -XX:MaxRAMPercentage=50 -XX:MaxRAM=48g"
            + " -XX:TrimNativeHeapInterval=5000 -XX:MaxHeapFreeRatio=50 -XX:-ShrinkHeapInSteps -XX:CompileThresholdScaling=10";
    private static final byte[] BODY = "{\"text\":\"hello\"}".getBytes(StandardCharsets.UTF_8);
    private static final String PATH = "/v1/capability/noop";

    private AuthHttpBench() {
    }

    /** One kernel and how to talk to it. */
    private record Target(ServerProcess server, String scheme, SocketFactory sockets, HttpClient client, String[] headers) {
    }

    public static void main(String[] args) throws Exception {
        LoadOptions options = LoadOptions.parse(args, new int[]{10, 8, 3}, Set.of());
        int connections = options.connections();
        int warmup = options.warmupSeconds();
        int measure = options.measureSeconds();
        int rounds = options.rounds();
        LoadOptions.KernelModules modules = LoadOptions.KernelModules.ofClassPath();
        List<Path> kernelModules = modules.kernel();
        Path spi = modules.spi();
        String java = ProcessHandle.current().info().command().orElse("java");
        Path home = Files.createTempDirectory("capfabric-auth-bench");

        KeyMaker.NewKey key = new KeyMaker(new SecureRandom()).make("bench", Set.of(Scope.JOBS));
        Path keys = home.resolve("keys");
        // a realistic file: the bench's key among 20 others, all compared on every request
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            lines.append(new KeyMaker(new SecureRandom()).make("other-" + i, Set.of(Scope.READ)).entry().line()).append('\n');
        }
        Files.writeString(keys, lines + key.entry().line() + "\n");
        Path tls = home.resolve("tls");
        Certificates.fromPath().caAndServer(tls, "http", List.of("127.0.0.1"));
        SSLContext trusting = trusting(tls.resolve("ca.pem"));
        String keyHeader = "X-Api-Key: " + key.key() + "\r\n";

        Map<String, String> noKeys = Map.of();
        Map<String, String> withKeys = Map.of("CAPFABRIC_HTTP_KEYS__FILE", keys.toString());
        Map<String, String> withTls = Map.of("CAPFABRIC_HTTP_KEYS__FILE", keys.toString(),
                "CAPFABRIC_HTTP_TLS_CERT", tls.resolve("http-cert.pem").toString(), "CAPFABRIC_HTTP_TLS_KEY", tls.resolve("http-key.pem").toString());
        try (ServerProcess plain = startKernel("no keys, HTTP", "plain", home, java, kernelModules, spi, noKeys);
             ServerProcess keyed = startKernel("API key, HTTP", "keyed", home, java, kernelModules, spi, withKeys);
             ServerProcess secure = startKernel("API key, HTTPS", "tls", home, java, kernelModules, spi, withTls)) {
            List<Target> targets = List.of(
                    new Target(plain, "http", SocketFactory.getDefault(), HttpClient.newHttpClient(), new String[0]),
                    new Target(keyed, "http", SocketFactory.getDefault(), HttpClient.newHttpClient(), new String[]{"X-Api-Key", key.key()}),
                    new Target(secure, "https", trusting.getSocketFactory(), HttpClient.newBuilder().sslContext(trusting).build(),
                            new String[]{"X-Api-Key", key.key()}));
            for (Target target : targets) {
                target.server().awaitAnswer(target.client(), target.scheme(), PATH, BODY, Duration.ofSeconds(60), target.headers());
            }
            System.err.printf("all answer; client: %d connections, %d s warm-up + %d s measured per turn, %d rounds%n",
                    connections, warmup, measure, rounds);
            Map<Target, List<HttpLoad.Result>> runs = new LinkedHashMap<>();
            targets.forEach(target -> runs.put(target, new ArrayList<>()));
            for (int round = 0; round < rounds; round++) {
                List<Target> order = new ArrayList<>(targets);
                Collections.rotate(order, round);
                for (Target target : order) {
                    HttpLoad load = new HttpLoad(new InetSocketAddress("127.0.0.1", target.server().port()),
                            HttpLoad.post(PATH, "application/json", BODY, target.headers().length == 0 ? "" : keyHeader), target.sockets());
                    HttpLoad.Result result = load.run(connections, Duration.ofSeconds(warmup), Duration.ofSeconds(measure),
                            target.server()::cpuNanos);
                    runs.get(target).add(result);
                    System.err.printf(Locale.ROOT, "round %d %-16s %9.0f jobs/s  p50 %7.0f µs  p99 %7.0f µs  server CPU %5.1f µs/job  errors %d%n",
                            round + 1, target.server().name(), result.perSecond(), result.micros(0.50), result.micros(0.99),
                            result.serverCpuMicrosPerJob(), result.errors());
                }
            }
            StringBuilder report = new StringBuilder();
            report.append(String.format(Locale.ROOT, "%d cores, JDK %s; %d connections, %d rounds of %d s (after %d s warm-up), medians%n%n",
                    Runtime.getRuntime().availableProcessors(), Runtime.version(), connections, rounds, measure, warmup));
            report.append("| kernel | jobs/s | p50 µs | p99 µs | server CPU µs/job | errors | jobs/s / no keys |\n|---|---:|---:|---:|---:|---:|---:|\n");
            double base = DispatchHttpBench.median(runs.get(targets.getFirst()).stream().mapToDouble(HttpLoad.Result::perSecond).toArray());
            runs.forEach((target, results) -> {
                double rate = DispatchHttpBench.median(results.stream().mapToDouble(HttpLoad.Result::perSecond).toArray());
                report.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.1f | %d | %.3f |%n", target.server().name(), rate,
                        DispatchHttpBench.median(results.stream().mapToDouble(r -> r.micros(0.5)).toArray()),
                        DispatchHttpBench.median(results.stream().mapToDouble(r -> r.micros(0.99)).toArray()),
                        DispatchHttpBench.median(results.stream().mapToDouble(HttpLoad.Result::serverCpuMicrosPerJob).toArray()),
                        results.stream().mapToLong(HttpLoad.Result::errors).sum(), rate / base));
            });
            runs.forEach((target, results) -> {
                report.append("\n").append(target.server().name()).append(" per round (jobs/s):");
                results.forEach(r -> report.append(String.format(Locale.ROOT, " %.0f", r.perSecond())));
            });
            report.append('\n');
            System.out.println(report);
            if (options.out().isPresent()) {
                Files.writeString(options.out().get(), report);
            }
        }
    }

    private static ServerProcess startKernel(String name, String dir, Path root, String java, List<Path> kernelModules, Path spi,
                                             Map<String, String> extra) throws Exception {
        Path home = Files.createDirectories(root.resolve("kernel-" + dir));
        NoopPlugin.build(home.resolve("plugins/noop.jar"), spi, 2, "VIRTUAL");
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(Arrays.asList(LAUNCHER_OPTIONS.split(" ")));
        command.addAll(List.of("--sun-misc-unsafe-memory-access=allow", "--enable-native-access=capfabric.kernel,ALL-UNNAMED",
                "--add-modules", "ALL-SYSTEM", "-Dcapfabric.home=" + home,
                "--module-path", String.join(File.pathSeparator, kernelModules.stream().map(Path::toString).toList()),
                "--module", "capfabric.kernel/dev.capfabric.kernel.Main"));
        int port = DispatchHttpBench.freePort();
        Map<String, String> env = new LinkedHashMap<>(Map.of("CAPFABRIC_HOME", home.toString(), "CAPFABRIC_NODE_ID", "bench-" + dir,
                "CAPFABRIC_HOST", "127.0.0.1", "CAPFABRIC_PORT", String.valueOf(port)));
        env.putAll(extra);
        return ServerProcess.start(name, command, env, port, home.resolve("kernel.log"));
    }

    private static SSLContext trusting(Path pem) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            trust.setCertificateEntry("ca", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }
}
