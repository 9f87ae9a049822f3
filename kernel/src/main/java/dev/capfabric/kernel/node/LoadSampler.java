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

    /** Where samples come from: the processor's time so far and the memory in use. */
    interface Readings {
        /**
         * Processor time since boot in OSHI's {@code TickType} order: user, nice, system, idle, iowait,
         * irq, softirq, steal.
         */
        long[] cpuTicks();

        /** Fraction of physical memory in use, 0 to 1. */
        double memoryUsed();
    }

    private static final int IDLE = CentralProcessor.TickType.IDLE.getIndex();
    private static final int IOWAIT = CentralProcessor.TickType.IOWAIT.getIndex();

    private final Supplier<SystemInfo> system;
    private final ScheduledExecutorService scheduler;
    // made on the sampling thread: OSHI's processor and memory views read /proc and /sys as they are
    // built, which should not hold up start-up
    private Readings readings;
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
            if (readings == null) {
                // on Linux the files themselves, without OSHI's native layer (see LinuxMachine)
                readings = LinuxMachine.local().<Readings>map(linux -> linux).orElseGet(() -> oshi(system.get()));
                previousTicks = readings.cpuTicks();
            }
            long[] ticks = readings.cpuTicks();
            double cpu = busy(previousTicks, ticks);
            previousTicks = ticks;
            latest = new Sample(round(cpu), round(readings.memoryUsed()));
        } catch (RuntimeException | LinkageError e) {
            // keep the last good sample; /proc may fail to read transiently, or OSHI not work on this machine at all
        }
    }

    /** The share of processor time between two readings that was neither idle nor waiting for I/O. */
    static double busy(long[] before, long[] after) {
        long total = 0;
        for (int i = 0; i < after.length; i++) {
            total += after[i] - before[i];
        }
        long idle = after[IDLE] - before[IDLE] + after[IOWAIT] - before[IOWAIT];
        return total > 0 ? (double) (total - idle) / total : 0;
    }

    private static Readings oshi(SystemInfo system) {
        CentralProcessor processor = system.getHardware().getProcessor();
        GlobalMemory memory = system.getHardware().getMemory();
        return new Readings() {
            @Override
            public long[] cpuTicks() {
                return processor.getSystemCpuLoadTicks();
            }

            @Override
            public double memoryUsed() {
                long total = memory.getTotal();
                return total == 0 ? 0 : 1.0 - (double) memory.getAvailable() / total;
            }
        };
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
