package dev.capfabric.bench.dispatch;

import java.io.File;
import java.net.InetSocketAddress;
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
 * The OpenAI-shaped front door's overhead, in one run: the same no-op job (capability {@code image},
 * a provider that answers a 1x1 PNG on the request's thread) through {@code POST /v1/capability/image}
 * and through {@code POST /v1/images/generations} with {@code model: "dall-e-2"} and
 * {@code response_format: "b64_json"}, on one kernel, driven in turns by the same closed-loop client
 * ({@link HttpLoad}), the order rotating each round. Reports the medians over the rounds and the
 * ratios front door / capability route of p50 and capability route / front door of jobs per second
 * (goal: both at most 1.05).
 *
 * <p>Run on demand: see docs/BENCHMARKS.md, "OpenAI-compatible front door".
 */
public final class FrontDoorBench {

    private static final byte[] CAPABILITY_BODY = "{\"prompt\":\"a fox\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] FRONT_DOOR_BODY = "{\"model\":\"dall-e-2\",\"prompt\":\"a fox\",\"response_format\":\"b64_json\"}"
            .getBytes(StandardCharsets.UTF_8);

    private FrontDoorBench() {
    }

    private record Route(String name, String path, byte[] body) {
    }

    public static void main(String[] args) throws Exception {
        LoadOptions options = LoadOptions.parse(args, new int[]{10, 10, 5}, Set.of());
        int connections = options.connections();
        int warmup = options.warmupSeconds();
        int measure = options.measureSeconds();
        int rounds = options.rounds();
        LoadOptions.KernelModules modules = LoadOptions.KernelModules.ofClassPath();
        List<Path> kernelModules = modules.kernel();
        Path spi = modules.spi();
        List<String> jvm = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        jvm.addAll(Arrays.asList(DispatchHttpBench.LAUNCHER_OPTIONS.split("\\s+")));
        Path home = Files.createTempDirectory("capfabric-front-door-bench");
        List<Route> routes = List.of(new Route("POST /v1/capability/image", "/v1/capability/image", CAPABILITY_BODY),
                new Route("POST /v1/images/generations", "/v1/images/generations", FRONT_DOOR_BODY));
        try (ServerProcess kernel = DispatchHttpBench.startKernel("kernel, no-op image provider on the request thread", "VIRTUAL",
                "image", home, jvm, kernelModules, spi, 2)) {
            for (Route route : routes) {
                HttpResponse<byte[]> answer = kernel.awaitAnswer(route.path(), route.body(), Duration.ofSeconds(60));
                System.err.println(route.name() + " answers " + answer.statusCode() + ": "
                        + new String(answer.body(), 0, Math.min(120, answer.body().length), StandardCharsets.ISO_8859_1));
            }
            // both routes warmed before the first measured turn: the first turn would otherwise pay the JIT
            // compilation of everything the two routes share, and round 1 came out 0.6-0.75 whichever went first
            for (Route route : routes) {
                new HttpLoad(new InetSocketAddress("127.0.0.1", kernel.port()), HttpLoad.post(route.path(), "application/json", route.body()))
                        .run(connections, Duration.ofSeconds(warmup), Duration.ofSeconds(1), kernel::cpuNanos);
            }
            Map<Route, List<HttpLoad.Result>> runs = new LinkedHashMap<>();
            routes.forEach(route -> runs.put(route, new ArrayList<>()));
            for (int round = 0; round < rounds; round++) {
                List<Route> order = new ArrayList<>(routes);
                Collections.rotate(order, round);
                for (Route route : order) {
                    HttpLoad load = new HttpLoad(new InetSocketAddress("127.0.0.1", kernel.port()),
                            HttpLoad.post(route.path(), "application/json", route.body()));
                    HttpLoad.Result result = load.run(connections, Duration.ofSeconds(warmup), Duration.ofSeconds(measure), kernel::cpuNanos);
                    runs.get(route).add(result);
                    System.err.printf(Locale.ROOT, "round %d %-28s %9.0f jobs/s  p50 %7.0f µs  p99 %7.0f µs  server CPU %5.1f µs/job  errors %d%n",
                            round + 1, route.name(), result.perSecond(), result.micros(0.50), result.micros(0.99),
                            result.serverCpuMicrosPerJob(), result.errors());
                }
            }
            String report = report(runs, routes, connections, warmup, measure, rounds);
            System.out.println(report);
            if (options.out().isPresent()) {
                Files.writeString(options.out().get(), report);
            }
        }
        DispatchHttpBench.deleteTree(home);
    }

    private static String report(Map<Route, List<HttpLoad.Result>> runs, List<Route> routes, int connections, int warmup,
                                 int measure, int rounds) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Machine: %d cores (%s), %s, JDK %s; kernel JVM options: %s%n%n",
                Runtime.getRuntime().availableProcessors(), DispatchHttpBench.cpuModel(), System.getProperty("os.name") + " "
                        + System.getProperty("os.version"), Runtime.version(), DispatchHttpBench.LAUNCHER_OPTIONS));
        out.append(String.format(Locale.ROOT, "Client: %d keep-alive connections, closed loop; %d rounds of %d s measured "
                + "(after %d s warm-up) per route, turns rotating; medians over rounds.%n%n", connections, rounds, measure, warmup));
        out.append("| route | jobs/s | p50 µs | p99 µs | server CPU µs/job | errors |\n|---|---:|---:|---:|---:|---:|\n");
        runs.forEach((route, results) -> out.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.1f | %d |%n",
                route.name(), median(results, HttpLoad.Result::perSecond), median(results, r -> r.micros(0.50)),
                median(results, r -> r.micros(0.99)), median(results, HttpLoad.Result::serverCpuMicrosPerJob),
                results.stream().mapToLong(HttpLoad.Result::errors).sum())));
        List<HttpLoad.Result> capability = runs.get(routes.get(0));
        List<HttpLoad.Result> frontDoor = runs.get(routes.get(1));
        out.append(String.format(Locale.ROOT, "%nRatios (goal ≤ 1.05): p50 front door / capability route **%.2f**; "
                        + "jobs/s capability route / front door **%.2f**; server CPU per job front door / capability route %.2f%n",
                median(frontDoor, r -> r.micros(0.50)) / median(capability, r -> r.micros(0.50)),
                median(capability, HttpLoad.Result::perSecond) / median(frontDoor, HttpLoad.Result::perSecond),
                median(frontDoor, HttpLoad.Result::serverCpuMicrosPerJob) / median(capability, HttpLoad.Result::serverCpuMicrosPerJob)));
        out.append("\nPer round (jobs/s, capability route / front door): ");
        List<Double> paired = new ArrayList<>();
        for (int i = 0; i < capability.size(); i++) {
            double a = capability.get(i).perSecond();
            double b = frontDoor.get(i).perSecond();
            paired.add(a / b);
            out.append(String.format(Locale.ROOT, "%s%.0f / %.0f (%.2f)", i == 0 ? "" : "; ", a, b, a / b));
        }
        Collections.sort(paired);
        out.append(String.format(Locale.ROOT, "; median of the rounds' ratios %.2f", paired.size() % 2 == 1
                ? paired.get(paired.size() / 2) : (paired.get(paired.size() / 2 - 1) + paired.get(paired.size() / 2)) / 2));
        return out.append('\n').toString();
    }

    private static double median(List<HttpLoad.Result> results, java.util.function.ToDoubleFunction<HttpLoad.Result> figure) {
        return DispatchHttpBench.median(results.stream().mapToDouble(figure).toArray());
    }
}
