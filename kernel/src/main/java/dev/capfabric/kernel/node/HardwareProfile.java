package dev.capfabric.kernel.node;

import oshi.SystemInfo;
import oshi.hardware.GraphicsCard;
import oshi.hardware.HardwareAbstractionLayer;

import java.util.List;

/**
 * What the machine is, sampled once at start-up through OSHI.
 *
 * @param cpuModel    the processor's name
 * @param cores       logical processors
 * @param memoryBytes physical memory
 * @param gpus        graphics cards OSHI finds, with their memory
 * @param os          operating system name and version
 */
public record HardwareProfile(String cpuModel, int cores, long memoryBytes, List<Gpu> gpus, String os) {

    /**
     * One graphics card.
     *
     * @param name        its name
     * @param vendor      its vendor
     * @param memoryBytes its memory, 0 when unknown
     */
    public record Gpu(String name, String vendor, long memoryBytes) {
    }

    public HardwareProfile {
        gpus = List.copyOf(gpus);
    }

    /** Samples this machine through OSHI. Takes some hundred milliseconds; call once. */
    public static HardwareProfile sample(SystemInfo system) {
        HardwareAbstractionLayer hardware = system.getHardware();
        List<Gpu> gpus;
        try {
            gpus = gpus(hardware.getGraphicsCards());
        } catch (RuntimeException e) {
            gpus = List.of(); // no lspci or no permission: report none rather than fail start-up
        }
        return new HardwareProfile(
                hardware.getProcessor().getProcessorIdentifier().getName().strip(),
                hardware.getProcessor().getLogicalProcessorCount(),
                hardware.getMemory().getTotal(),
                gpus,
                system.getOperatingSystem().toString());
    }

    /** The graphics cards OSHI found that someone could use. */
    static List<Gpu> gpus(List<GraphicsCard> cards) {
        return cards.stream()
                // a VM's emulated display adapter shows up as "unknown"/"unknown": not a GPU anyone can use
                .filter(card -> !("unknown".equals(card.getName()) && "unknown".equals(card.getVendor())))
                .map(card -> new Gpu(card.getName(), card.getVendor(), card.getVRam()))
                .toList();
    }
}
