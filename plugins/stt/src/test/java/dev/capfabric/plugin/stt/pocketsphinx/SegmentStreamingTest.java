package dev.capfabric.plugin.stt.pocketsphinx;

import dev.capfabric.plugin.stt.SpeechSamples;
import dev.capfabric.plugin.stt.TestContext;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Cancellation;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.capfabric.plugin.stt.Outcomes.ready;
import static dev.capfabric.plugin.stt.Outcomes.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pocketsphinx (the node's real libpocketsphinx3) hands a followed job's words over as segments while it
 * decodes: new words with the stretch of audio they were decoded from, before the transcript is done.
 */
class SegmentStreamingTest {

    private static CapabilityProvider provider;
    private static byte[] twoSentences;

    /** Records what a follower receives; cancels after {@code leaveAfter} segments. */
    private static final class Follower implements Cancellation {
        final List<Result> segments = new CopyOnWriteArrayList<>();
        final List<Double> progress = new CopyOnWriteArrayList<>();
        final boolean following;
        final int leaveAfter;

        Follower(boolean following, int leaveAfter) {
            this.following = following;
            this.leaveAfter = leaveAfter;
        }

        @Override
        public boolean isCancelled() {
            return segments.size() >= leaveAfter;
        }

        @Override
        public boolean streaming() {
            return following;
        }

        @Override
        public void progress(double fraction, String message) {
            progress.add(fraction);
        }

        @Override
        public void partial(Result piece) {
            segments.add(piece);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        provider = ready(new PocketsphinxFactory().create(TestContext.of(Map.of())));
        twoSentences = SpeechSamples.spoken(SpeechSamples.CHILDREN + ". " + SpeechSamples.WEATHER + ".");
    }

    @AfterAll
    static void stop() {
        provider.close();
    }

    private static Job job(Follower follower) {
        return new Job(UUID.randomUUID().toString(), Capability.STT, Map.of(), new Payload("audio/wav", twoSentences),
                Instant.now().plus(Duration.ofSeconds(120)), follower);
    }

    @Test
    void wordsArriveAsSegmentsInOrderAndMakeUpTheTranscript() throws Exception {
        Follower follower = new Follower(true, Integer.MAX_VALUE);
        String transcript = text(provider.handle(job(follower)));

        assertTrue(follower.segments.size() >= 2, "segments: " + follower.segments);
        double lastEnd = 0;
        StringBuilder joined = new StringBuilder();
        for (Result segment : follower.segments) {
            Map<String, Object> s = segment.metadata();
            double start = (Double) s.get("start_s");
            double end = (Double) s.get("end_s");
            assertTrue(segment.output().isEmpty());
            assertTrue(start < end && start >= lastEnd - 1e-9, "segment times " + s + " after " + lastEnd);
            lastEnd = end;
            if (Boolean.TRUE.equals(s.get("revised"))) {
                joined.setLength(0);
            }
            joined.append(joined.isEmpty() ? "" : " ").append(s.get("text"));
        }
        for (String word : List.of("children", "park", "weather", "sunny")) {
            assertTrue(transcript.contains(word), transcript);
        }
        // the final pass may still settle a last word: all but the tail was given as segments
        assertTrue(transcript.startsWith(joined.toString().substring(0, Math.min(joined.length(), transcript.length() / 2))),
                "segments '" + joined + "' vs transcript '" + transcript + "'");
        assertEquals(1.0, follower.progress.getLast(), 1e-9);
    }

    @Test
    void nobodyFollowingGetsNoSegmentsAndTheSameTranscriptAsBefore() throws Exception {
        Follower silent = new Follower(false, Integer.MAX_VALUE);
        String transcript = text(provider.handle(job(silent)));
        assertEquals(List.of(), silent.segments);
        assertTrue(transcript.contains("children") && transcript.contains("weather"), transcript);
    }

    @Test
    void aFollowerThatLeavesStopsTheDecoding() {
        Follower leaving = new Follower(true, 1);
        CapabilityException e = assertThrows(CapabilityException.class, () -> provider.handle(job(leaving)));
        assertEquals(CapabilityException.Kind.TIMEOUT, e.kind());
        assertEquals(1, leaving.segments.size());
        assertFalse(leaving.progress.contains(1.0));
    }
}
