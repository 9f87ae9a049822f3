package dev.capfabric.kernel.node;

import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.GlobalMemory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Samples CPU and memory load at a low fixed rate on a thread of its own, so that reading the load
 * (on every {@code /caps} and heartbeat) costs nothing.
 */
public final class LoadSampler implements AutoCloseable {

    /**
     * A sample.
     *
     * @param cpu    system CPU load, 0 to 1, over the last interval
     * @param memory fraction of physical memory in use, 0 to 1
     */
    public record Sample(double cpu, double memory) {
    }

    private final Supplier<SystemInfo> system;
    private final ScheduledExecutorService scheduler;
    // OSHI's processor and memory views, made on the sampling thread: building them reads /proc and /sys,
    // which should not hold up start-up
    private CentralProcessor processor;
    private GlobalMemory memory;
    private long[] previousTicks;
    private volatile Sample latest = new Sample(0, 0);

    public LoadSampler(Supplier<SystemInfo> system, Duration interval) {
        this.system = requireNonNull(system, "system is null");
        this.scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("capfabric-load").daemon().factory());
        long millis = interval.toMillis();
        scheduler.scheduleWithFixedDelay(this::sample, 0, millis, TimeUnit.MILLISECONDS);
    }

    private void sample() {
        try {
            if (processor == null) {
                processor = system.get().getHardware().getProcessor();
                memory = system.get().getHardware().getMemory();
                previousTicks = processor.getSystemCpuLoadTicks();
            }
            double cpu = processor.getSystemCpuLoadBetweenTicks(previousTicks);
            previousTicks = processor.getSystemCpuLoadTicks();
            long total = memory.getTotal();
            double used = total == 0 ? 0 : 1.0 - (double) memory.getAvailable() / total;
            latest = new Sample(round(cpu), round(used));
        } catch (RuntimeException | LinkageError e) {
            // keep the last good sample; OSHI may fail transiently reading /proc, or not work on this machine at all
        }
    }

    private static double round(double value) {
        return Math.round(Math.max(0, Math.min(1, value)) * 1000) / 1000.0;
    }

    /** The latest sample. */
    public Sample latest() {
        return latest;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
