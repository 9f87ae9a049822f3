package dev.capfabric.kernel.node;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JVM's and the process's meters under the names stock JVM dashboards query: Micrometer's
 * binders ({@code jvm_memory_used_bytes}, {@code jvm_gc_pause_seconds}, {@code jvm_threads_live_threads},
 * {@code process_cpu_usage}, {@code system_cpu_usage}, {@code process_files_open_files},
 * {@code process_uptime_seconds} ...), plus what Prometheus' own clients export and Micrometer has no
 * binder for: {@code process_cpu_seconds_total} and the resident set size,
 * {@code process_resident_memory_bytes} (read from {@code /proc/self/status}; absent where there is no
 * such file). The CPU count is {@code system_cpu_cores}: Prometheus' naming rules forbid Micrometer's
 * {@code system_cpu_count}.
 */
public final class RuntimeMeters implements AutoCloseable {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Pattern RSS = Pattern.compile("(?m)^VmRSS:\\s+(\\d+) kB$");

    private final JvmGcMetrics gc = new JvmGcMetrics();

    /** Binds every meter to {@code registry}; {@link #close()} stops listening for collections. */
    public RuntimeMeters(MeterRegistry registry) {
        // two of ProcessorMetrics' names break Prometheus' naming rules (promtool check metrics): the CPU
        // time in nanoseconds ("_ns_total") and a gauge ending in "_count", which reads as a histogram's
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")));
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().equals("system.cpu.count") ? id.withName("system.cpu.cores") : id;
            }
        });
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9)
                    .description("CPU time the process used")
                    .baseUnit("seconds")
                    .register(registry);
        }
        if (Files.isReadable(STATUS)) {
            Gauge.builder("process.resident.memory", RuntimeMeters::residentBytes)
                    .description("Resident set size of the process")
                    .baseUnit("bytes")
                    .register(registry);
        }
    }

    private static double residentBytes() {
        try {
            Matcher m = RSS.matcher(Files.readString(STATUS));
            return m.find() ? Long.parseLong(m.group(1)) * 1024.0 : Double.NaN;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    @Override
    public void close() {
        gc.close();
    }
}
