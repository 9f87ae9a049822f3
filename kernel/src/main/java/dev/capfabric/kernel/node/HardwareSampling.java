package dev.capfabric.kernel.node;

import org.slf4j.LoggerFactory;
import oshi.SystemInfo;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The machine's hardware, sampled once per process in the background. {@code Main} starts the
 * sampling before it reads the settings, so that the probing (reading /proc and /etc, asking
 * {@code lspci} for GPUs) overlaps the rest of start-up instead of delaying the first {@code /caps};
 * every kernel in the process shares the one sample and OSHI's views. On Linux the files are read
 * directly ({@link LinuxMachine}); elsewhere, and where they do not name the processor, OSHI samples the
 * machine. A machine neither can read gets a profile of what the JVM knows, never a failed start.
 */
public final class HardwareSampling {

    private static final System.Logger LOG = System.getLogger(HardwareSampling.class.getName());

    private static SystemInfo system;
    private static CompletableFuture<HardwareProfile> profile;

    private HardwareSampling() {
    }

    /** Starts sampling if nothing has yet; the profile completes when the sample is taken. */
    public static synchronized CompletableFuture<HardwareProfile> start() {
        if (profile == null) {
            // OSHI logs through SLF4J, which holds back the records of a thread that meets it while another
            // thread initialises it and replays them with a warning on stderr: initialised here, on the caller's
            // thread, before the sampling thread and the meters (Micrometer) race to it
            LoggerFactory.getILoggerFactory();
            long start = System.nanoTime();
            profile = CompletableFuture.supplyAsync(() -> {
                HardwareProfile sampled = sample();
                LOG.log(System.Logger.Level.INFO, "hardware: {0} ({1} ms to sample)", sampled, (System.nanoTime() - start) / 1_000_000);
                return sampled;
            }, runnable -> Thread.ofVirtual().name("capfabric-hardware").start(runnable));
        }
        return profile;
    }

    /** OSHI's view of this machine, made on first use. */
    public static synchronized SystemInfo system() {
        if (system == null) {
            system = new SystemInfo();
        }
        return system;
    }

    private static HardwareProfile sample() {
        try {
            return LinuxMachine.local()
                    .flatMap(linux -> linux.profile(HardwareSampling::linuxGpus))
                    .orElseGet(() -> HardwareProfile.sample(system()));
        } catch (RuntimeException | LinkageError e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read this machine's hardware; /caps shows what the JVM knows", e);
            return new HardwareProfile("unknown", Runtime.getRuntime().availableProcessors(), 0, List.of(),
                    System.getProperty("os.name") + " " + System.getProperty("os.version"));
        }
    }

    private static List<HardwareProfile.Gpu> linuxGpus() {
        try {
            // OSHI's Linux reader of graphics cards asks lspci and loads no native code
            return HardwareProfile.gpus(system().getHardware().getGraphicsCards());
        } catch (RuntimeException e) {
            return List.of(); // no lspci or no permission: report none rather than fail start-up
        }
    }
}
