package dev.capfabric.bench.ocr;

import dev.capfabric.plugin.ocr.tesseract.TesseractFactory;
import dev.capfabric.spi.Cancellation;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.ProviderContext;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** The plugin's {@code tesseract} provider, created as the kernel creates it, called job by job. */
final class InProcessTesseract implements OcrEngine {

    /** Recognition runs on the calling thread (the bytedeco build of Tesseract has no OpenMP), so its CPU time is this thread's. */
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final CapabilityProvider provider;
    private final Map<String, String> parameters;
    private final Map<String, String> config;
    private int jobs;

    /** @param parameters the job parameters every page is sent with, such as {@code psm} */
    InProcessTesseract(Path dataDir, Map<String, String> parameters) {
        this(dataDir, parameters, Map.of());
    }

    /**
     * @param parameters the job parameters every page is sent with, such as {@code psm}
     * @param settings   provider settings beside {@code concurrency: 1}, such as {@code deskew: false}
     */
    InProcessTesseract(Path dataDir, Map<String, String> parameters, Map<String, String> settings) {
        this.parameters = Map.copyOf(parameters);
        Map<String, String> config = new java.util.HashMap<>(settings);
        config.put("concurrency", "1");
        this.config = Map.copyOf(config);
        ProviderContext context = new ProviderContext() {
            @Override
            public String nodeId() {
                return "bench";
            }

            @Override
            public Map<String, String> config() {
                return config;
            }

            @Override
            public Path dataDir() {
                return dataDir;
            }

            @Override
            public System.Logger logger() {
                return System.getLogger("bench.ocr");
            }
        };
        Creation creation = new TesseractFactory().create(context);
        if (!(creation instanceof Creation.Ready ready)) {
            throw new IllegalStateException("the tesseract provider is unusable: " + ((Creation.Unusable) creation).reason());
        }
        this.provider = ready.provider();
    }

    @Override
    public String name() {
        String name = parameters.isEmpty() ? "in-process (plugin)" : "in-process (plugin), " + parameters;
        return config.size() > 1 ? name + ", settings " + new java.util.TreeMap<>(config) : name;
    }

    @Override
    public String version() {
        return provider.describe().extra().get("engine") + " via JavaCPP, traineddata "
                + provider.describe().artifacts().stream().filter(a -> a.name().equals("eng")).findFirst()
                .map(a -> a.path()).orElse("?");
    }

    @Override
    public Reading read(SamplePage page) throws Exception {
        Job job = new Job("bench-" + jobs++, Capability.OCR, parameters, new Payload(page.mediaType(), page.encoded()),
                Instant.now().plus(Duration.ofMinutes(5)), Cancellation.never());
        long cpuStart = THREADS.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        Object text = provider.handle(job).metadata().get("text");
        long wall = System.nanoTime() - start;
        return new Reading((String) text, wall, THREADS.getCurrentThreadCpuTime() - cpuStart);
    }

    @Override
    public void close() {
        provider.close();
    }
}
