package dev.capfabric.kernel.node;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import oshi.SystemInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The Linux machine /caps describes, read from its files: as OSHI sees it, without OSHI's native layer. */
class LinuxMachineTest {

    @TempDir
    Path root;

    @Test
    void profileComesFromCpuinfoMeminfoAndOsRelease() throws IOException {
        write("proc/cpuinfo", """
                processor\t: 0
                vendor_id\t: GenuineIntel
                model name\t: Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz

                processor\t: 1
                vendor_id\t: GenuineIntel
                model name\t: Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz
                """);
        write("proc/meminfo", "MemTotal:       65536000 kB\nMemFree:        1000 kB\nMemAvailable:   16384000 kB\n");
        write("etc/os-release", "NAME=\"Ubuntu\"\nVERSION=\"22.04.4 LTS (Jammy Jellyfish)\"\nPRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\n");
        write("proc/sys/kernel/osrelease", "5.15.0-105-generic\n");
        List<HardwareProfile.Gpu> gpus = List.of(new HardwareProfile.Gpu("GA102 [GeForce RTX 3090]", "NVIDIA Corporation", 25769803776L));

        HardwareProfile profile = new LinuxMachine(root).profile(() -> gpus).orElseThrow();

        assertEquals(new HardwareProfile("Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", 2, 65536000L * 1024, gpus,
                "Ubuntu 22.04.4 LTS, Linux 5.15.0-105-generic"), profile);
        assertEquals(0.75, new LinuxMachine(root).memoryUsed(), 1e-9);
    }

    @Test
    void aProcessorTheFilesDoNotNameIsLeftToOshi() throws IOException {
        // an ARM kernel's /proc/cpuinfo: part numbers, no model name
        write("proc/cpuinfo", "processor\t: 0\nBogoMIPS\t: 62.50\nCPU implementer\t: 0x41\nCPU part\t: 0xd42\n");
        write("proc/meminfo", "MemTotal:       32000000 kB\nMemAvailable:   16000000 kB\n");

        assertEquals(Optional.empty(), new LinuxMachine(root).profile(List::of));
    }

    @Test
    void withoutOsReleaseTheKernelIsStillNamedAndMemoryInUseCountsCachesAsAvailableOnOldKernels() throws IOException {
        write("proc/sys/kernel/osrelease", "3.10.0-1160.el7.x86_64\n");
        write("proc/meminfo", """
                MemTotal:        1000 kB
                MemFree:          100 kB
                Active(file):     200 kB
                Inactive(file):   100 kB
                SReclaimable:     100 kB
                """);

        assertEquals("Linux 3.10.0-1160.el7.x86_64", new LinuxMachine(root).os());
        assertEquals(0.5, new LinuxMachine(root).memoryUsed(), 1e-9);
    }

    @Test
    void cpuTicksAreTheFirstLineOfProcStatAndBusyLeavesOutIdleAndIoWait() throws IOException {
        write("proc/stat", "cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\n");
        long[] before = new LinuxMachine(root).cpuTicks();
        write("proc/stat", "cpu  160 0 70 880 90 0 0 0 0 0\ncpu0 80 0 35 440 45 0 0 0 0 0\n");
        long[] after = new LinuxMachine(root).cpuTicks();

        assertEquals(List.of(100L, 0L, 50L, 800L, 50L, 0L, 0L, 0L), java.util.Arrays.stream(before).boxed().toList());
        assertEquals(80.0 / 200, LoadSampler.busy(before, after), 1e-9);
    }

    @Test
    void thisLinuxMachineReadsAsOshiSeesIt() {
        Optional<LinuxMachine> linux = LinuxMachine.local();
        assumeTrue(linux.isPresent(), "runs on Linux");
        Optional<HardwareProfile> profile = linux.get().profile(List::of);
        assumeTrue(profile.isPresent(), "the processor is named in /proc/cpuinfo");
        HardwareProfile oshi = HardwareProfile.sample(new SystemInfo());

        assertEquals(oshi.cpuModel(), profile.get().cpuModel());
        assertEquals(oshi.cores(), profile.get().cores());
        assertEquals(oshi.memoryBytes(), profile.get().memoryBytes());
        assertTrue(profile.get().os().contains(", Linux " + System.getProperty("os.version")), profile.get().os());
        long[] ticks = linux.get().cpuTicks();
        assertTrue(ticks[3] > 0, "idle ticks since boot");
        double used = linux.get().memoryUsed();
        assertTrue(used > 0 && used < 1, "memory in use: " + used);
    }

    private void write(String file, String text) throws IOException {
        Path path = root.resolve(file);
        Files.createDirectories(path.getParent());
        Files.writeString(path, text);
    }
}
