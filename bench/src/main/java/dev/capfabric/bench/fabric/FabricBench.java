package dev.capfabric.bench.fabric;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The fabric benchmarks of docs/BENCHMARKS.md: P1 offload latency against raw jnats, P3 routing of
 * uneven nodes against a NATS queue group, P4 time to a full global view of 1000 nodes, P6 registry
 * CPU with 1000 nodes heartbeating. Needs the Debian package nats-server.
 *
 * <pre>
 * ./mvnw -q -Pbench -pl bench -am install -DskipTests
 * ./mvnw -q -Pbench -pl bench exec:exec -Dexec.executable="$JAVA_HOME/bin/java" \
 *     -Dexec.args="-classpath %classpath dev.capfabric.bench.fabric.FabricBench --out target/fabric.md [p1 p3 p3h p4 p6]"
 * </pre>
 */
public final class FabricBench {

    private FabricBench() {
    }

    public static void main(String[] args) throws Exception {
        if (!ModuleLaunch.inModuleLayer()) {
            System.exit(ModuleLaunch.relaunch(FabricBench.class.getName(), args));
        }
        Logger.getLogger("").setLevel(Level.WARNING);
        Arrays.stream(Logger.getLogger("").getHandlers()).forEach(h -> h.setLevel(Level.WARNING));
        Path out = null;
        Set<String> only = new TreeSet<>();
        List<String> rest = new ArrayList<>(List.of(args));
        rest.remove(ModuleLaunch.CHILD_FLAG);
        for (int i = 0; i < rest.size(); i++) {
            if (rest.get(i).equals("--out")) {
                out = Path.of(rest.get(++i));
            } else {
                only.add(rest.get(i).toLowerCase(Locale.ROOT));
            }
        }
        if (only.isEmpty()) {
            only.addAll(List.of("p1", "p3", "p4", "p6"));
        }
        Path dir = Files.createTempDirectory("capfabric-fabric-bench");
        StringBuilder report = new StringBuilder();
        report.append(machine());
        if (only.contains("p1")) {
            report.append("\n### P1: offloaded no-op job vs raw jnats request/reply\n\n");
            report.append(OffloadLatency.run(dir.resolve("p1"), 10, 2000));
            System.out.println(report);
        }
        if (only.contains("p3")) {
            report.append("\n### P3: four uneven nodes at 70 % of capacity, capfabric routing vs a NATS queue group\n\n");
            report.append(UnevenFleet.run(dir.resolve("p3")));
            System.out.println(report);
        }
        if (only.contains("p3h")) {
            report.append("\n### P3 with hedged second attempts off and on\n\n");
            report.append(UnevenFleet.hedging(dir.resolve("p3h")));
            System.out.println(report);
        }
        if (only.contains("p4")) {
            report.append("\n### P4: time to a full global view of 1000 nodes\n\n");
            report.append(GlobalViewTime.run(dir.resolve("p4"), 1000));
            System.out.println(report);
        }
        if (only.contains("p6")) {
            report.append("\n### P6: registry CPU with 1000 nodes heartbeating every 5 s\n\n");
            report.append(RegistryCpu.run(dir.resolve("p6"), 1000));
        }
        System.out.println(report);
        if (out != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, report);
        }
        System.exit(0);
    }

    private static String machine() {
        Runtime runtime = Runtime.getRuntime();
        return String.format(Locale.ROOT, "Machine: %d logical CPUs, %s %s, Java %s.%n", runtime.availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.version"), Runtime.version());
    }
}
