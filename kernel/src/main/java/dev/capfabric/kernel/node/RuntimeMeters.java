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
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * The JVM's and the process's meters under the names stock JVM dashboards query: Micrometer's
 * binders ({@code jvm_memory_used_bytes}, {@code jvm_gc_pause_seconds}, {@code jvm_threads_live_threads},
 * {@code process_cpu_usage}, {@code system_cpu_usage}, {@code process_files_open_files},
 * {@code process_uptime_seconds} ...), plus what Prometheus' own clients export and Micrometer has no
 * binder for: {@code process_cpu_seconds_total} and the resident set size,
 * {@code process_resident_memory_bytes} (read from {@code /proc/self/status}; absent where there is no
 * such file). The CPU count is {@code system_cpu_cores}: Prometheus' naming rules forbid Micrometer's
 * {@code system_cpu_count}.
 *
 * <p>The node binds them once it serves ({@link #bindInBackground()}), off the path to its first answer;
 * {@code /metrics} waits for the binding ({@link #awaitBound}) so that no scrape misses them.
 */
public final class RuntimeMeters implements AutoCloseable {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Pattern RSS = Pattern.compile("(?m)^VmRSS:\\s+(\\d+) kB$");

    private final MeterRegistry registry;
    private final CompletableFuture<Void> bound = new CompletableFuture<>();
    private JvmGcMetrics gc; // guarded by this
    private boolean closed; // guarded by this

    /**
     * Prepares the meters of {@code registry}: its filters at once, the binders on {@link #bindInBackground()}.
     * Binding them reads the JVM's management beans (memory pools, collectors, the operating system), about
     * 20–50 ms of start-up that nothing before the first scrape of {@code /metrics} needs.
     */
    public RuntimeMeters(MeterRegistry registry) {
        this.registry = requireNonNull(registry, "registry is null");
        // two of ProcessorMetrics' names break Prometheus' naming rules (promtool check metrics): the CPU
        // time in nanoseconds ("_ns_total") and a gauge ending in "_count", which reads as a histogram's.
        // Filters apply to meters registered after them: set before any binder runs
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")));
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().equals("system.cpu.count") ? id.withName("system.cpu.cores") : id;
            }
        });
    }

    /** Binds every meter now, on the calling thread, unless already bound or closed. */
    public RuntimeMeters bind() {
        synchronized (this) {
            try {
                if (!closed && !bound.isDone()) {
                    bindAll();
                }
            } finally {
                bound.complete(null);
            }
        }
        return this;
    }

    /** Binds every meter on a virtual thread of its own; {@link #awaitBound} waits for it. */
    public void bindInBackground() {
        Thread.ofVirtual().name("capfabric-runtime-meters").start(this::bind);
    }

    /**
     * Waits until the meters are bound (a scrape of {@code /metrics} must show them all), at most
     * {@code limit}; true when they are.
     */
    public boolean awaitBound(Duration limit) {
        try {
            bound.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void bindAll() {
        new JvmMemoryMetrics().bindTo(registry);
        gc = new JvmGcMetrics();
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

    /** Stops listening for collections; meters not bound yet never will be. */
    @Override
    public synchronized void close() {
        closed = true;
        if (gc != null) {
            gc.close();
        }
    }
}
