package dev.capfabric.bench.dispatch;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The command line every HTTP load bench of this package takes ({@code --connections N}, {@code --warmup-s S},
 * {@code --measure-s S}, {@code --rounds N}, {@code --out FILE}), plus the options a bench names itself,
 * and where the kernel's modules are on the bench's class path (the benches start kernels from them).
 *
 * @param connections    keep-alive connections of the closed-loop client
 * @param warmupSeconds  warm-up before each measured turn
 * @param measureSeconds length of each measured turn
 * @param rounds         rounds, the servers or routes taking turns in each
 * @param out            where the report is also written
 * @param extra          the bench's own options, by name without the dashes
 */
record LoadOptions(int connections, int warmupSeconds, int measureSeconds, int rounds, Optional<Path> out,
                   Map<String, String> extra) {

    /**
     * @param defaults   {@code warmup-s}, {@code measure-s} and {@code rounds} when not given
     * @param extraNames the bench's own options (each takes a value)
     * @throws IllegalArgumentException on an option not known, naming those that are
     */
    static LoadOptions parse(String[] args, int[] defaults, Set<String> extraNames) {
        int connections = 16;
        int warmup = defaults[0];
        int measure = defaults[1];
        int rounds = defaults[2];
        Path out = null;
        Map<String, String> extra = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i].startsWith("--") ? args[i].substring(2) : "";
            if (i + 1 >= args.length || name.isEmpty()) {
                throw usage(args[i], extraNames);
            }
            String value = args[++i];
            switch (name) {
                case "connections" -> connections = Integer.parseInt(value);
                case "warmup-s" -> warmup = Integer.parseInt(value);
                case "measure-s" -> measure = Integer.parseInt(value);
                case "rounds" -> rounds = Integer.parseInt(value);
                case "out" -> out = Path.of(value);
                default -> {
                    if (!extraNames.contains(name)) {
                        throw usage(args[i - 1], extraNames);
                    }
                    extra.put(name, value);
                }
            }
        }
        return new LoadOptions(connections, warmup, measure, rounds, Optional.ofNullable(out), Map.copyOf(extra));
    }

    private static IllegalArgumentException usage(String argument, Set<String> extraNames) {
        StringBuilder known = new StringBuilder("--connections N, --warmup-s S, --measure-s S, --rounds N, --out FILE");
        extraNames.forEach(name -> known.append(", --").append(name).append(" VALUE"));
        return new IllegalArgumentException("unknown argument or missing value: " + argument + "; use " + known);
    }

    /** The kernel's modules and the SPI's, found on the bench's class path. */
    record KernelModules(List<Path> kernel, Path spi) {

        static KernelModules ofClassPath() {
            List<Path> classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                    .map(Path::of).filter(Files::exists).toList();
            return new KernelModules(DispatchHttpBench.modulesOf("capfabric.kernel", classpath),
                    DispatchHttpBench.modulesOf("capfabric.spi", classpath).getFirst());
        }
    }
}
