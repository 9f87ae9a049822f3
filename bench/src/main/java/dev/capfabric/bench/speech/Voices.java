package dev.capfabric.bench.speech;

import dev.capfabric.plugin.tts.freetts.FreeTtsFactory;
import dev.capfabric.spi.Cancellation;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.ProviderContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** The text-to-speech voices the stt engines are measured against. */
final class Voices {

    /** Speaks a sentence as WAV bytes. */
    interface Voice extends AutoCloseable {
        String name();

        byte[] speak(String sentence) throws Exception;

        @Override
        default void close() {
        }
    }

    private Voices() {
    }

    /** espeak-ng's and flite's command-line voices, and the tts plugin's freetts provider where it starts. */
    static List<Voice> available(Path work, List<String> unusable) {
        List<Voice> voices = new ArrayList<>();
        voices.add(cli("espeak-ng (default voice en, 22.05 kHz)", work, "espeak-ng", "-w", "{out}", "{text}"));
        voices.add(cli("espeak-ng -v en-us (22.05 kHz)", work, "espeak-ng", "-v", "en-us", "-w", "{out}", "{text}"));
        voices.add(cli("flite (default voice kal, 8 kHz)", work, "flite", "-t", "{text}", "-o", "{out}"));
        voices.add(cli("flite -voice slt (16 kHz)", work, "flite", "-voice", "slt", "-t", "{text}", "-o", "{out}"));
        freetts(work).ifPresentOrElse(voices::add, () -> unusable.add("freetts: the tts plugin's provider did not start"));
        return voices;
    }

    private static Voice cli(String name, Path work, String... template) {
        return new Voice() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public byte[] speak(String sentence) throws IOException, InterruptedException {
                Path out = Files.createTempFile(work, "tts-", ".wav");
                List<String> command = new ArrayList<>();
                for (String part : template) {
                    command.add(part.replace("{out}", out.toString()).replace("{text}", sentence));
                }
                Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
                String output = new String(process.getInputStream().readAllBytes());
                if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                    throw new IOException(command + " failed: " + output);
                }
                byte[] wav = Files.readAllBytes(out);
                Files.delete(out);
                return wav;
            }
        };
    }

    private static Optional<Voice> freetts(Path work) {
        Creation creation = new FreeTtsFactory().create(new BenchContext(Map.of("instances", "1"), work));
        if (!(creation instanceof Creation.Ready(CapabilityProvider provider))) {
            return Optional.empty();
        }
        return Optional.of(new Voice() {
            @Override
            public String name() {
                return "freetts provider (kevin16, 16 kHz)";
            }

            @Override
            public byte[] speak(String sentence) throws Exception {
                Job job = new Job(UUID.randomUUID().toString(), Capability.TTS, Map.of("text", sentence), Payload.empty(),
                        Instant.now().plus(Duration.ofMinutes(5)), Cancellation.never());
                return provider.handle(job).output().orElseThrow().bytes();
            }

            @Override
            public void close() {
                provider.close();
            }
        });
    }

    /** The context the kernel would give: config, a data folder, a logger. */
    record BenchContext(Map<String, String> config, Path dataDir) implements ProviderContext {
        @Override
        public String nodeId() {
            return "bench";
        }

        @Override
        public System.Logger logger() {
            return System.getLogger("capfabric.bench.stt");
        }
    }
}
