package dev.capfabric.bench.speech;

import dev.capfabric.plugin.tts.engine.EspeakNgFactory;
import dev.capfabric.plugin.tts.engine.FliteFactory;
import dev.capfabric.plugin.tts.freetts.FreeTtsFactory;
import dev.capfabric.spi.Cancellation;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.ProviderContext;
import dev.capfabric.spi.ProviderFactory;
import dev.capfabric.spi.Result;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Real-time factor of the tts plugin's local engines (synthesis wall time / duration of the audio made)
 * on 20 everyday sentences, through the providers' own {@code handle}: what a job costs on this node,
 * process start included for the command-line engines. Engines take turns sentence by sentence and each
 * sentence is spoken {@code repeats} times; the median time is kept.
 *
 * <p>Run on demand: {@code ./mvnw -Pbench -pl bench exec:java
 * -Dexec.mainClass=dev.capfabric.bench.speech.TtsRealTimeFactor [-Dexec.args="--repeats 3 --out report.md"]}.
 */
public final class TtsRealTimeFactor {

    static final List<String> SENTENCES = List.of(
            "The train to the airport leaves every twenty minutes from platform four.",
            "Please remember to water the plants while we are away on holiday.",
            "She bought three apples, a loaf of bread and a bottle of milk.",
            "The meeting has been moved to Thursday afternoon at half past two.",
            "Turn left at the church and the library is on your right.",
            "It rained all night, so the river is higher than usual this morning.",
            "Could you send me the report before the end of the week?",
            "The children built a small boat out of wood and painted it blue.",
            "Our new neighbours moved in last weekend with a very friendly dog.",
            "The museum is closed on Mondays but open late on Fridays.",
            "He forgot his umbrella on the bus and got wet walking home.",
            "The soup needs a little more salt and a pinch of pepper.",
            "We watched the sun set over the hills from the top of the tower.",
            "My brother works at the hospital and often starts very early.",
            "The old bridge was repaired last summer and is safe to cross again.",
            "Put the keys on the table by the door when you come in.",
            "The concert starts at eight, so we should leave the house by seven.",
            "A strong wind blew the leaves across the garden and into the street.",
            "The doctor said I should drink more water and sleep longer.",
            "They are planning a picnic by the lake if the weather stays dry.");

    private TtsRealTimeFactor() {
    }

    /** One engine's figures. */
    record EngineFigures(String id, String engine, String voice, int sampleRate, long createMillis,
                         double audioSeconds, double synthesisSeconds, double medianRtf, double worstRtf) {
        double rtf() {
            return synthesisSeconds / audioSeconds;
        }
    }

    public static void main(String[] args) throws Exception {
        int repeats = 3;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; use --repeats N, --out FILE");
            }
        }
        Path data = Files.createTempDirectory("capfabric-tts-bench");
        Map<String, CapabilityProvider> providers = new LinkedHashMap<>();
        Map<String, Long> createMillis = new LinkedHashMap<>();
        List<String> unusable = new ArrayList<>();
        for (ProviderFactory factory : List.of(new FreeTtsFactory(), new FliteFactory(), new EspeakNgFactory())) {
            long start = System.nanoTime();
            // one voice set for freetts: a job at a time, like the command-line engines here
            Creation creation = factory.create(new BenchContext(Map.of("instances", "1"), data.resolve(factory.id())));
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            switch (creation) {
                case Creation.Ready(CapabilityProvider provider) -> {
                    providers.put(factory.id(), provider);
                    createMillis.put(factory.id(), millis);
                }
                case Creation.Unusable(String reason) -> unusable.add(factory.id() + ": " + reason);
            }
        }
        try {
            for (CapabilityProvider provider : providers.values()) {
                for (int i = 0; i < 3; i++) {
                    provider.handle(job(SENTENCES.get(i))); // warm up: JIT, page cache, lexicon
                }
            }
            Map<String, List<double[]>> samples = new LinkedHashMap<>(); // per engine: {seconds of synthesis, seconds of audio}
            Map<String, Result> lastResult = new LinkedHashMap<>();
            for (String sentence : SENTENCES) {
                for (Map.Entry<String, CapabilityProvider> entry : providers.entrySet()) {
                    double[] times = new double[repeats];
                    Result result = null;
                    for (int r = 0; r < repeats; r++) {
                        long start = System.nanoTime();
                        result = entry.getValue().handle(job(sentence));
                        times[r] = (System.nanoTime() - start) / 1e9;
                    }
                    Arrays.sort(times);
                    double audio = ((Number) result.metadata().get("duration_s")).doubleValue();
                    samples.computeIfAbsent(entry.getKey(), k -> new ArrayList<>()).add(new double[] {times[repeats / 2], audio});
                    lastResult.put(entry.getKey(), result);
                }
                System.err.print('.');
            }
            System.err.println();
            List<EngineFigures> figures = new ArrayList<>();
            for (String id : providers.keySet()) {
                figures.add(figures(id, providers.get(id), lastResult.get(id), createMillis.get(id), samples.get(id)));
            }
            String report = report(figures, unusable, repeats);
            System.out.println(report);
            if (out != null) {
                Files.writeString(out, report);
            }
        } finally {
            providers.values().forEach(CapabilityProvider::close);
        }
    }

    private static EngineFigures figures(String id, CapabilityProvider provider, Result last, long createMillis, List<double[]> samples) {
        double synthesis = samples.stream().mapToDouble(s -> s[0]).sum();
        double audio = samples.stream().mapToDouble(s -> s[1]).sum();
        double[] rtfs = samples.stream().mapToDouble(s -> s[0] / s[1]).sorted().toArray();
        return new EngineFigures(id, String.valueOf(provider.describe().extra().getOrDefault("engine", id)),
                String.valueOf(last.metadata().get("voice")), ((Number) last.metadata().get("sample_rate")).intValue(),
                createMillis, audio, synthesis, (rtfs[rtfs.length / 2 - 1] + rtfs[rtfs.length / 2]) / 2, rtfs[rtfs.length - 1]);
    }

    private static String report(List<EngineFigures> figures, List<String> unusable, int repeats) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("| provider | engine | voice | rate | audio (s) | synthesis (s) | RTF | median RTF per sentence | worst | create (ms) |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (EngineFigures f : figures) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %d Hz | %.1f | %.2f | %.3f | %.3f | %.3f | %d |%n",
                    f.id(), f.engine(), f.voice(), f.sampleRate(), f.audioSeconds(), f.synthesisSeconds(), f.rtf(),
                    f.medianRtf(), f.worstRtf(), f.createMillis()));
        }
        md.append('\n');
        md.append(String.format(Locale.ROOT, "%d sentences (%d words), default voice, speed 1.0; median of %d runs per sentence, "
                        + "engines taking turns, after 3 warm-up sentences. RTF = synthesis wall time / audio duration "
                        + "(lower is faster; 0.1 = ten times faster than real time).%n",
                SENTENCES.size(), SENTENCES.stream().mapToInt(s -> s.split("\\s+").length).sum(), repeats));
        for (String reason : unusable) {
            md.append("\nNot measured: ").append(reason).append('\n');
        }
        md.append("\nMachine: ").append(machine()).append('\n');
        return md.toString();
    }

    private static String machine() throws IOException {
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown CPU");
        String os = Files.readAllLines(Path.of("/etc/os-release")).stream().filter(l -> l.startsWith("PRETTY_NAME="))
                .findFirst().map(l -> l.substring("PRETTY_NAME=".length()).replace("\"", "")).orElse(System.getProperty("os.name"));
        long memoryGib = Math.round(((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize() / (double) (1L << 30));
        return String.format(Locale.ROOT, "%s, %d cores, %d GiB, %s, JDK %s", cpu, Runtime.getRuntime().availableProcessors(),
                memoryGib, os, Runtime.version());
    }

    private static Job job(String text) {
        return new Job(UUID.randomUUID().toString(), Capability.TTS, Map.of("text", text), Payload.empty(),
                Instant.now().plus(Duration.ofMinutes(5)), Cancellation.never());
    }

    /** The context the kernel would give: config, a data folder, a logger. */
    private record BenchContext(Map<String, String> config, Path dataDir) implements ProviderContext {
        @Override
        public String nodeId() {
            return "bench";
        }

        @Override
        public System.Logger logger() {
            return System.getLogger("capfabric.bench.tts");
        }
    }
}
