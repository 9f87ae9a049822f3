package dev.capfabric.bench.speech;

import dev.capfabric.plugin.tts.engine.EspeakNgFactory;
import dev.capfabric.plugin.tts.engine.FliteFactory;
import dev.capfabric.spi.Cancellation;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.ProviderFactory;
import dev.capfabric.spi.Result;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Time to the first audio chunk against the time to the whole speech, for a 10-sentence text spoken by
 * the command-line engines through their own {@code handle} with a follower (what a caller of
 * {@code Accept: text/event-stream} gets): each job is timed from its start to its first partial result
 * and to its return. Goal: first chunk ≤ 0.25 of the whole. Median of {@code --repeats} runs per engine;
 * also the whole synthesis without a follower (one process for the text), to show what streaming costs.
 *
 * <p>{@code ./mvnw -Pbench -pl bench exec:java -Dexec.mainClass=dev.capfabric.bench.speech.FirstAudioChunk
 * [-Dexec.args="--repeats 5"]}.
 */
public final class FirstAudioChunk {

    static final String TEXT = String.join(" ",
            "The morning train was late again, so we walked to the old bridge instead.",
            "A gentle rain had started, and the river looked grey and very calm.",
            "My sister pointed at a heron standing still near the muddy bank.",
            "We talked about the garden, the new neighbours, and the price of bread.",
            "At the corner shop we bought apples, cheese, and a small loaf.",
            "The owner told us that the bakery would close early on Friday.",
            "By noon the clouds had cleared and the streets were warm and bright.",
            "Children were playing football in the park behind the library.",
            "We sat on a bench and watched the boats drift slowly past the pier.",
            "In the evening we cooked soup and listened to music until late.");

    private FirstAudioChunk() {
    }

    /** A follower that notes when the first piece came. */
    private static final class Follower implements Cancellation {
        volatile long firstAt;
        int pieces;

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public boolean streaming() {
            return true;
        }

        @Override
        public synchronized void partial(Result piece) {
            if (pieces++ == 0) {
                firstAt = System.nanoTime();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int repeats = 5;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--repeats")) {
                repeats = Integer.parseInt(args[++i]);
            }
        }
        Path data = Files.createTempDirectory("capfabric-first-chunk");
        StringBuilder out = new StringBuilder("| engine | first chunk (ms) | whole, streamed (ms) | first / whole | whole, one process (ms) | chunks |\n"
                + "|---|---:|---:|---:|---:|---:|\n");
        for (ProviderFactory factory : List.of(new FliteFactory(), new EspeakNgFactory())) {
            Creation creation = factory.create(new Voices.BenchContext(Map.of(), data.resolve(factory.id())));
            if (!(creation instanceof Creation.Ready ready)) {
                out.append("| ").append(factory.id()).append(" | unusable: ").append(creation).append(" |\n");
                continue;
            }
            try (CapabilityProvider provider = ready.provider()) {
                provider.handle(job(Cancellation.never())); // warm-up: JIT, page cache
                List<Long> first = new ArrayList<>();
                List<Long> whole = new ArrayList<>();
                List<Long> plain = new ArrayList<>();
                int pieces = 0;
                for (int r = 0; r < repeats; r++) {
                    Follower follower = new Follower();
                    long start = System.nanoTime();
                    provider.handle(job(follower));
                    long end = System.nanoTime();
                    first.add(follower.firstAt - start);
                    whole.add(end - start);
                    pieces = follower.pieces;
                    long plainStart = System.nanoTime();
                    provider.handle(job(Cancellation.never()));
                    plain.add(System.nanoTime() - plainStart);
                }
                double f = median(first) / 1e6;
                double w = median(whole) / 1e6;
                out.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | **%.3f** | %.0f | %d |%n", factory.id(), f, w, f / w,
                        median(plain) / 1e6, pieces));
            }
        }
        out.append(String.format(Locale.ROOT, "%nMedian of %d runs per engine, a 10-sentence text (%d characters). Goal: first / whole ≤ 0.25.%n",
                repeats, TEXT.length()));
        System.out.println(out);
    }

    private static Job job(Cancellation cancellation) {
        return new Job(UUID.randomUUID().toString(), Capability.TTS, Map.of("text", TEXT), Payload.empty(),
                Instant.now().plus(Duration.ofMinutes(2)), cancellation);
    }

    private static double median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }
}
