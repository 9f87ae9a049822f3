package dev.capfabric.bench.speech;

import dev.capfabric.plugin.stt.pocketsphinx.PocketsphinxFactory;
import dev.capfabric.plugin.stt.sphinx4.Sphinx4Factory;
import dev.capfabric.plugin.stt.whisper.OpenAiWhisperFactory;
import dev.capfabric.spi.Cancellation;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.ProviderFactory;
import dev.capfabric.spi.Result;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Word error rate of every usable tts voice × stt provider pair on 25 everyday sentences, and the
 * real-time factor of each stt provider (recognition wall time / audio duration, through the
 * provider's own {@code handle}: WAV decoding and resampling included).
 *
 * <p>Run on demand: {@code ./mvnw -q -o -pl plugins/stt,plugins/tts -am install -DskipTests &&
 * ./mvnw -q -o -Pbench -pl bench exec:java -Dexec.mainClass=dev.capfabric.bench.speech.SttAccuracy
 * -Dexec.args="--out /tmp/stt-wer.md"}; {@code --whisper-url URL [--whisper-key KEY]
 * [--whisper-model M]} adds an OpenAI-compatible server, {@code --stt a,b} picks providers.
 */
public final class SttAccuracy {

    static final List<String> SENTENCES = List.of(
            "the quick brown fox jumped over the lazy dog",
            "please call me when you get home tonight",
            "the weather is nice and sunny today",
            "we need to buy milk bread and eggs",
            "she opened the window to let in some fresh air",
            "my favorite color is blue",
            "the train leaves the station at noon",
            "he plays the guitar every evening",
            "can you help me find my keys",
            "the children are playing in the park",
            "turn off the lights before you leave",
            "i would like a cup of coffee please",
            "the meeting has been moved to next week",
            "they walked along the beach at sunset",
            "this book is about the history of science",
            "the doctor said i should get more sleep",
            "open the door and close the window",
            "our team won the game last night",
            "the cat is sleeping on the sofa",
            "please send me the report by friday",
            "the restaurant serves good food",
            "it is going to rain this afternoon",
            "we are flying to london in the summer",
            "the computer needs a new battery",
            "water boils at one hundred degrees");

    private SttAccuracy() {
    }

    /** One pair's figures. */
    record PairFigures(String voice, String stt, WordErrors errors, double audioSeconds, double recognitionSeconds,
                       List<String> misheard) {
    }

    public static void main(String[] args) throws Exception {
        Path out = null;
        Map<String, String> whisper = new HashMap<>();
        List<String> only = List.of();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--whisper-url" -> whisper.put("base-url", args[++i]);
                case "--whisper-key" -> whisper.put("api-key", args[++i]);
                case "--whisper-model" -> whisper.put("model", args[++i]);
                case "--stt" -> only = List.of(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; use --out FILE, --stt a,b, --whisper-url URL, --whisper-key KEY, --whisper-model M");
            }
        }
        Path work = Files.createTempDirectory("capfabric-stt-bench");
        List<String> unusable = new ArrayList<>();
        Map<String, CapabilityProvider> recognisers = new LinkedHashMap<>();
        List<ProviderFactory> factories = List.of(new PocketsphinxFactory(), new Sphinx4Factory(), new OpenAiWhisperFactory());
        for (ProviderFactory factory : factories) {
            if (!only.isEmpty() && !only.contains(factory.id())) {
                continue;
            }
            Map<String, String> config = factory.id().equals("openai-whisper") ? whisper : Map.of("concurrency", "1");
            switch (factory.create(new Voices.BenchContext(config, Files.createDirectories(work.resolve(factory.id()))))) {
                case Creation.Ready(CapabilityProvider provider) -> recognisers.put(factory.id(), provider);
                case Creation.Unusable(String reason) -> unusable.add(factory.id() + ": " + reason);
            }
        }
        List<Voices.Voice> voices = Voices.available(work, unusable);
        List<PairFigures> figures = new ArrayList<>();
        try {
            for (Voices.Voice voice : voices) {
                List<byte[]> spoken = new ArrayList<>();
                for (String sentence : SENTENCES) {
                    spoken.add(voice.speak(sentence));
                }
                for (Map.Entry<String, CapabilityProvider> recogniser : recognisers.entrySet()) {
                    figures.add(measure(voice.name(), recogniser.getKey(), recogniser.getValue(), spoken));
                    System.err.printf(Locale.ROOT, "%s × %s: WER %.1f %%%n", voice.name(), recogniser.getKey(),
                            100 * figures.getLast().errors().rate());
                }
            }
        } finally {
            recognisers.values().forEach(CapabilityProvider::close);
            voices.forEach(Voices.Voice::close);
        }
        String report = report(figures, unusable);
        System.out.println(report);
        if (out != null) {
            Files.writeString(out, report);
        }
    }

    private static PairFigures measure(String voice, String stt, CapabilityProvider provider, List<byte[]> spoken)
            throws Exception {
        WordErrors total = new WordErrors(0, 0);
        double audio = 0;
        double recognition = 0;
        List<String> misheard = new ArrayList<>();
        for (int i = 0; i < SENTENCES.size(); i++) {
            Job job = new Job(UUID.randomUUID().toString(), Capability.STT, Map.of("language", "en"),
                    new Payload("audio/wav", spoken.get(i)), Instant.now().plus(Duration.ofMinutes(5)), Cancellation.never());
            long start = System.nanoTime();
            Result result = provider.handle(job);
            recognition += (System.nanoTime() - start) / 1e9;
            audio += ((Number) result.metadata().get("duration_s")).doubleValue();
            String heard = (String) result.metadata().get("text");
            WordErrors errors = WordErrors.of(SENTENCES.get(i), heard);
            total = total.plus(errors);
            if (errors.errors() > 0) {
                misheard.add("\"" + heard + "\"");
            }
        }
        return new PairFigures(voice, stt, total, audio, recognition, misheard);
    }

    private static String report(List<PairFigures> figures, List<String> unusable) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("| tts voice | stt provider | WER | word errors / words | audio (s) | recognition (s) | RTF |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        for (PairFigures f : figures) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %.1f %% | %d / %d | %.1f | %.1f | %.2f |%n",
                    f.voice(), f.stt(), 100 * f.errors().rate(), f.errors().errors(), f.errors().referenceWords(),
                    f.audioSeconds(), f.recognitionSeconds(), f.recognitionSeconds() / f.audioSeconds()));
        }
        md.append('\n');
        Map<String, double[]> perEngine = new LinkedHashMap<>();
        for (PairFigures f : figures) {
            double[] sums = perEngine.computeIfAbsent(f.stt(), k -> new double[2]);
            sums[0] += f.recognitionSeconds();
            sums[1] += f.audioSeconds();
        }
        md.append("| stt provider | real-time factor over all voices |\n|---|---|\n");
        perEngine.forEach((stt, sums) -> md.append(String.format(Locale.ROOT, "| %s | %.2f |%n", stt, sums[0] / sums[1])));
        md.append(String.format(Locale.ROOT, "%n%d sentences, %d words per voice; WER = (substitutions + deletions + "
                        + "insertions) / reference words after lowercasing and dropping punctuation. RTF = recognition wall "
                        + "time / audio duration, one job at a time, WAV decoding and resampling included (lower is faster).%n",
                SENTENCES.size(), SENTENCES.stream().mapToInt(s -> s.split(" ").length).sum()));
        for (String reason : unusable) {
            md.append("\nNot measured: ").append(reason).append('\n');
        }
        md.append("\nMisheard sentences per pair:\n\n");
        for (PairFigures f : figures) {
            md.append("- ").append(f.voice()).append(" × ").append(f.stt()).append(": ")
                    .append(f.misheard().isEmpty() ? "none" : String.join("; ", f.misheard())).append('\n');
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
        return String.format(Locale.ROOT, "%s, %d cores, %d GiB, %s, JDK %s; load average at the end: %.1f", cpu,
                Runtime.getRuntime().availableProcessors(), memoryGib, os, Runtime.version(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
}
