package dev.capfabric.bench.fabric;

import java.io.File;
import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.module.ResolvedModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Runs the fabric benchmarks with the kernel as the module it is in production: its plugin loader
 * needs the SPI in a named module layer. Maven's exec plugin starts the bench on the class path; the
 * bench then starts itself again with the kernel's module graph on the module path, the rest of the
 * class path as before, and the kernel's internal packages opened to the bench.
 */
final class ModuleLaunch {

    static final String CHILD_FLAG = "--in-module-layer";

    private ModuleLaunch() {
    }

    /** Whether this JVM already runs the kernel as a named module. */
    static boolean inModuleLayer() {
        return dev.capfabric.kernel.Kernel.class.getModule().isNamed();
    }

    /** The java command that runs {@code mainClass} with the kernel on the module path. */
    static List<String> command(String mainClass, List<String> args) {
        List<Path> classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(s -> !s.isBlank()).map(Path::of).toList();
        List<Path> modules = modulesOf("capfabric.kernel", classpath);
        List<String> rest = classpath.stream().filter(p -> !modules.contains(p)).map(Path::toString).toList();
        List<String> command = new ArrayList<>(List.of(java(),
                "--sun-misc-unsafe-memory-access=allow",
                "--enable-native-access=ALL-UNNAMED,capfabric.kernel",
                "--module-path", String.join(File.pathSeparator, modules.stream().map(Path::toString).toList()),
                "--add-modules", "capfabric.kernel,ALL-SYSTEM"));
        // benchmark options (-Dcapfabric.bench.*) and extra JVM flags (-Dcapfabric.bench.jvm="-Xlog:gc ...") carry over
        System.getProperties().stringPropertyNames().stream().filter(name -> name.startsWith("capfabric.bench."))
                .forEach(name -> command.add("-D" + name + "=" + System.getProperty(name)));
        String jvm = System.getProperty("capfabric.bench.jvm", "").strip();
        if (!jvm.isEmpty()) {
            command.addAll(List.of(jvm.split("\\s+")));
        }
        for (String pkg : List.of("fabric", "dispatch", "config", "node", "http", "plugins", "jobs")) {
            command.addAll(List.of("--add-exports", "capfabric.kernel/dev.capfabric.kernel." + pkg + "=ALL-UNNAMED"));
        }
        command.addAll(List.of("-cp", String.join(File.pathSeparator, rest), mainClass));
        command.addAll(args);
        return command;
    }

    /** The command that runs a kernel node ({@code Main}) from this JVM's module path, in a process of its own. */
    static List<String> nodeCommand() {
        List<String> command = new ArrayList<>(List.of(java(),
                "--sun-misc-unsafe-memory-access=allow",
                "--enable-native-access=ALL-UNNAMED,capfabric.kernel",
                "--module-path", System.getProperty("jdk.module.path"),
                "-cp", System.getProperty("java.class.path"),
                "--add-modules", "ALL-SYSTEM"));
        // extra JVM flags for node processes, for profiling: -Dcapfabric.bench.node-jvm="-XX:StartFlightRecording..."
        String jvm = System.getProperty("capfabric.bench.node-jvm", "").strip();
        if (!jvm.isEmpty()) {
            command.addAll(List.of(jvm.split("\\s+")));
        }
        command.addAll(List.of("-m", "capfabric.kernel/dev.capfabric.kernel.Main"));
        return command;
    }

    static String java() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** Starts the child and waits for it; its output goes to this JVM's. */
    static int relaunch(String mainClass, String[] args) throws IOException, InterruptedException {
        List<String> childArgs = new ArrayList<>(List.of(args));
        childArgs.add(CHILD_FLAG);
        return new ProcessBuilder(command(mainClass, childArgs)).inheritIO().start().waitFor();
    }

    /** The jars of {@code root}'s module graph among {@code classpath}. */
    private static List<Path> modulesOf(String root, List<Path> classpath) {
        Path[] candidates = classpath.stream()
                .filter(p -> p.toString().endsWith(".jar") || Files.exists(p.resolve("module-info.class")))
                .toArray(Path[]::new);
        Configuration configuration = ModuleLayer.boot().configuration()
                .resolve(ModuleFinder.of(candidates), ModuleFinder.of(), Set.of(root));
        List<Path> modules = new ArrayList<>();
        for (ResolvedModule module : configuration.modules()) {
            module.reference().location().filter(uri -> uri.getScheme().equals("file")).map(Path::of).ifPresent(modules::add);
        }
        return modules;
    }
}
