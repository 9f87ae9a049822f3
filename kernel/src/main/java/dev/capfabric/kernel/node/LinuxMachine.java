package dev.capfabric.kernel.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A Linux machine as its {@code /proc} and {@code /etc} files describe it: the processor, memory and
 * operating system that {@code /caps} shows, and the load, read from the files OSHI reads but without
 * OSHI's Linux classes, which load JNA as they initialise (unpacking and linking its library, running
 * {@code ldconfig -p}, {@code uname -o} and {@code id -u}, walking the processor topology through udev):
 * most of the CPU time of the hardware sample that a node's first {@code /caps} waits for. Graphics
 * cards still come from OSHI ({@code lspci}), whose reader of them needs no JNA.
 */
final class LinuxMachine implements LoadSampler.Readings {

    private final Path root;

    /** The machine whose files are under {@code root} ({@code /} for this one). */
    LinuxMachine(Path root) {
        this.root = root;
    }

    /** This machine, when it runs Linux. */
    static Optional<LinuxMachine> local() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")
                ? Optional.of(new LinuxMachine(Path.of("/")))
                : Optional.empty();
    }

    /**
     * The profile, or empty when the files do not name the processor (an ARM kernel lists only part
     * numbers in {@code /proc/cpuinfo}, which OSHI turns into a name) or lack the memory's size.
     */
    Optional<HardwareProfile> profile(Supplier<List<HardwareProfile.Gpu>> gpus) {
        String model = null;
        int processors = 0;
        for (String line : lines("proc/cpuinfo")) {
            String key = key(line);
            if (key.equals("processor")) {
                processors++;
            } else if (key.equals("model name") && model == null) {
                model = value(line);
            }
        }
        long memory = memInfo().getOrDefault("MemTotal", 0L);
        if (model == null || model.isEmpty() || processors == 0 || memory <= 0) {
            return Optional.empty();
        }
        return Optional.of(new HardwareProfile(model, processors, memory, gpus.get(), os()));
    }

    /**
     * The distribution as {@code os-release} names it and the kernel's release, e.g.
     * {@code Debian GNU/Linux 12 (bookworm), Linux 6.1.0-18-amd64}.
     */
    String os() {
        List<String> lines = lines("etc/os-release");
        Map<String, String> release = new HashMap<>();
        for (String line : lines.isEmpty() ? lines("usr/lib/os-release") : lines) {
            int equals = line.indexOf('=');
            if (equals > 0) {
                release.put(line.substring(0, equals).strip(), unquote(line.substring(equals + 1).strip()));
            }
        }
        String kernel = lines("proc/sys/kernel/osrelease").stream().findFirst().map(String::strip).orElse("");
        String name = release.getOrDefault("PRETTY_NAME",
                (release.getOrDefault("NAME", "") + " " + release.getOrDefault("VERSION", "")).strip());
        if (name.isEmpty()) {
            return kernel.isEmpty() ? "Linux" : "Linux " + kernel;
        }
        return kernel.isEmpty() ? name : name + ", Linux " + kernel;
    }

    /**
     * The processor's time so far from the first line of {@code /proc/stat}: user, nice, system, idle,
     * iowait, irq, softirq and steal, in clock ticks.
     */
    @Override
    public long[] cpuTicks() {
        long[] ticks = new long[8];
        for (String line : lines("proc/stat")) {
            if (line.startsWith("cpu ")) {
                String[] fields = line.substring(4).strip().split("\\s+");
                for (int i = 0; i < Math.min(ticks.length, fields.length); i++) {
                    ticks[i] = parse(fields[i]);
                }
                break;
            }
        }
        return ticks;
    }

    /**
     * Fraction of physical memory in use: all but what the kernel counts as available
     * ({@code MemAvailable}; before Linux 3.14, free memory and reclaimable caches, as OSHI counts it).
     */
    @Override
    public double memoryUsed() {
        Map<String, Long> memory = memInfo();
        long total = memory.getOrDefault("MemTotal", 0L);
        Long available = memory.get("MemAvailable");
        if (available == null) {
            available = memory.getOrDefault("MemFree", 0L) + memory.getOrDefault("Active(file)", 0L)
                    + memory.getOrDefault("Inactive(file)", 0L) + memory.getOrDefault("SReclaimable", 0L);
        }
        return total <= 0 ? 0 : 1.0 - (double) available / total;
    }

    /** {@code /proc/meminfo} in bytes. */
    private Map<String, Long> memInfo() {
        Map<String, Long> memory = new HashMap<>();
        for (String line : lines("proc/meminfo")) {
            String[] amount = value(line).split("\\s+");
            long value = parse(amount[0]);
            memory.put(key(line), amount.length > 1 && amount[1].equalsIgnoreCase("kB") ? value * 1024 : value);
        }
        return memory;
    }

    private List<String> lines(String file) {
        try {
            return Files.readAllLines(root.resolve(file), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private static String key(String line) {
        int colon = line.indexOf(':');
        return colon < 0 ? line.strip() : line.substring(0, colon).strip();
    }

    private static String value(String line) {
        int colon = line.indexOf(':');
        return colon < 0 ? "" : line.substring(colon + 1).strip();
    }

    private static long parse(String number) {
        try {
            return Long.parseLong(number);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String unquote(String value) {
        return value.length() >= 2 && (value.charAt(0) == '"' || value.charAt(0) == '\'')
                && value.charAt(value.length() - 1) == value.charAt(0)
                ? value.substring(1, value.length() - 1)
                : value;
    }
}
