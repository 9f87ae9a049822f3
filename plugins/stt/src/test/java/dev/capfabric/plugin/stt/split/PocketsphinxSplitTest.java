package dev.capfabric.plugin.stt.split;

import dev.capfabric.plugin.stt.SpokenRecording;
import dev.capfabric.plugin.stt.TestContext;
import dev.capfabric.plugin.stt.TestJobs;
import dev.capfabric.plugin.stt.pocketsphinx.PocketsphinxFactory;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.JobPart;
import dev.capfabric.spi.PartResult;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.capfabric.plugin.stt.Outcomes.ready;
import static dev.capfabric.plugin.stt.Outcomes.unusableReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A recording of real speech split by the pocketsphinx provider, its parts transcribed as the kernel
 * would run them (here, in this JVM) and merged: the cuts fall in pauses, and the merged transcript
 * says what the whole-file run says, with every part's words at their times in the recording.
 */
class PocketsphinxSplitTest {

    private static CapabilityProvider provider;
    private static SpokenRecording recording;

    @BeforeAll
    static void start() throws Exception {
        provider = ready(new PocketsphinxFactory().create(TestContext.of(Map.of("concurrency", "2",
                "split-above-seconds", "20", "split-part-seconds", "9", "max-audio-seconds", "60"))));
        recording = SpokenRecording.of(11, 0.8);
    }

    @AfterAll
    static void stop() {
        provider.close();
    }

    @Test
    void splitsInPausesAndMergesToWhatTheWholeRecordingSaysWithTimesInTheRecording() throws Exception {
        Job whole = TestJobs.wav(recording.wav(), Map.of("language", "en"));
        List<JobPart> parts = provider.split(whole);

        assertTrue(recording.seconds() > 32, "long enough for 4 parts: " + recording.seconds());
        assertEquals(Math.round(recording.seconds() / 9), parts.size(), "parts of about 9 s in " + recording.seconds() + " s");
        List<Double> offsets = parts.stream().map(p -> Double.parseDouble(p.parameters().get(RecordingSplitter.OFFSET))).toList();
        assertEquals(0.0, offsets.getFirst());
        for (int k = 1; k < offsets.size(); k++) {
            assertTrue(offsets.get(k) > offsets.get(k - 1), offsets.toString());
            assertFalse(recording.insideSpeech(offsets.get(k)), "cut at " + offsets.get(k) + " s is inside a sentence: " + recording.voiced());
        }
        for (JobPart part : parts) {
            assertEquals("audio/wav", part.input().mediaType());
        }

        List<PartResult> answers = runParts(whole, parts);
        Map<String, Object> merged = provider.merge(whole, answers).metadata();
        Map<String, Object> alone = provider.handle(whole).metadata();

        String said = String.join(" ", recording.sentences());
        double splitErrors = SpokenRecording.wordErrorRate(said, (String) merged.get("text"));
        double wholeErrors = SpokenRecording.wordErrorRate(said, (String) alone.get("text"));
        assertTrue(splitErrors <= wholeErrors + 0.05 && splitErrors < 0.2,
                "split WER " + splitErrors + " vs whole " + wholeErrors + ": " + merged.get("text"));
        assertEquals((Double) alone.get("duration_s"), (Double) merged.get("duration_s"), 0.001);
        assertEquals("en-us", merged.get("language"));
        assertEquals("pocketsphinx", merged.get("provider"));

        List<?> segments = assertInstanceOf(List.class, merged.get("segments"));
        assertEquals(parts.size(), segments.size());
        double previousEnd = 0;
        for (int k = 0; k < segments.size(); k++) {
            Map<?, ?> segment = (Map<?, ?>) segments.get(k);
            double start = ((Number) segment.get("start")).doubleValue();
            double end = ((Number) segment.get("end")).doubleValue();
            assertEquals(previousEnd, start, 0.001, "segments tile the recording: " + segments);
            assertEquals(offsets.get(k), start, 0.001);
            assertTrue(end > start);
            // the words of each segment are those spoken between its start and its end
            double errors = SpokenRecording.wordErrorRate(recording.saidBetween(start, end), (String) segment.get("text"));
            assertTrue(errors < 0.25, "segment " + segment + " vs said " + recording.saidBetween(start, end));
            assertEquals(k % 2 == 0 ? "node-a" : "node-b", segment.get("node"));
            previousEnd = end;
        }
        assertEquals((Double) merged.get("duration_s"), previousEnd, 0.001);
    }

    @Test
    void aPartAnswersWithItsOffsetAndOnlyAPartDoes() throws Exception {
        byte[] wav = SpokenRecording.of(1, 0.2).wav();
        Result part = provider.handle(TestJobs.wav(wav, Map.of(JobPart.PARAMETER, "1/3", RecordingSplitter.OFFSET, "12.5")));
        assertEquals(12.5, part.metadata().get(RecordingSplitter.OFFSET));
        Result notPart = provider.handle(TestJobs.wav(wav, Map.of(RecordingSplitter.OFFSET, "12.5")));
        assertFalse(notPart.metadata().containsKey(RecordingSplitter.OFFSET));
    }

    @ParameterizedTest(name = "offset_s={0}")
    @ValueSource(strings = {"abc", "-1", "NaN", "Infinity", "1e400"})
    void aPartWithAMalformedOffsetIsRefused(String offset) throws Exception {
        byte[] wav = SpokenRecording.of(1, 0.2).wav();
        CapabilityException e = assertThrows(CapabilityException.class, () -> provider.handle(
                TestJobs.wav(wav, Map.of(JobPart.PARAMETER, "0/2", RecordingSplitter.OFFSET, offset))));
        assertEquals(CapabilityException.Kind.BAD_INPUT, e.kind());
        assertTrue(e.getMessage().contains(RecordingSplitter.OFFSET), e.getMessage());
    }

    @Test
    void runsWholeWhatIsShortAPartOrNotAWavFile() throws Exception {
        assertEquals(List.of(), provider.split(TestJobs.wav(SpokenRecording.of(4, 0.5).wav())), "under 20 s");
        assertEquals(List.of(), provider.split(TestJobs.wav(recording.wav(), Map.of(JobPart.PARAMETER, "0/3"))), "a part");
        for (byte[] notWav : List.of("hello".getBytes(), new byte[0], "RIFF\0\0\0\0WAVEjunk".getBytes())) {
            Job job = TestJobs.wav(notWav);
            assertEquals(List.of(), provider.split(job));
            assertEquals(CapabilityException.Kind.BAD_INPUT, assertThrows(CapabilityException.class, () -> provider.handle(job)).kind());
        }
        Job image = TestJobs.job(new Payload("image/png", recording.wav()), Map.of(), Duration.ofSeconds(30));
        assertEquals(CapabilityException.Kind.BAD_INPUT, assertThrows(CapabilityException.class, () -> provider.split(image)).kind());
    }

    @Test
    void refusesBeforeSplittingWhatTheWholeWouldBeRefusedFor() throws Exception {
        Job tooLong = TestJobs.wav(SpokenRecording.of(20, 1.5).wav());
        CapabilityException e = assertThrows(CapabilityException.class, () -> provider.split(tooLong));
        assertEquals(CapabilityException.Kind.TOO_LARGE, e.kind(), "over max-audio-seconds: " + e.getMessage());

        Job otherModel = TestJobs.wav(recording.wav(), Map.of("model", "whisper-large"));
        assertEquals(CapabilityException.Kind.UNPROCESSABLE, assertThrows(CapabilityException.class, () -> provider.split(otherModel)).kind());
        Job otherLanguage = TestJobs.wav(recording.wav(), Map.of("language", "de"));
        assertEquals(CapabilityException.Kind.UNPROCESSABLE, assertThrows(CapabilityException.class, () -> provider.split(otherLanguage)).kind());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"split-above-seconds=-1", "split-part-seconds=0", "split-part-seconds=ten", "split-max-parts=1",
            "split-max-parts=100000", "split-overlap-ms=-5"})
    void aMalformedSplitSettingMakesTheProviderUnusableNamingIt(String setting) {
        String[] pair = setting.split("=");
        String reason = unusableReason(new PocketsphinxFactory().create(TestContext.of(Map.of(pair[0], pair[1]))));
        assertTrue(reason.contains(pair[0]), reason);
    }

    @Test
    void splittingCanBeSwitchedOffAndIsAdvertised() throws Exception {
        CapabilityProvider off = ready(new PocketsphinxFactory().create(TestContext.of(Map.of("split-above-seconds", "0"))));
        try {
            assertEquals(List.of(), off.split(TestJobs.wav(recording.wav())));
            assertFalse(off.describe().extra().containsKey("split_above_s"));
        } finally {
            off.close();
        }
        assertEquals(20.0, provider.describe().extra().get("split_above_s"));
        assertEquals(9.0, provider.describe().extra().get("split_part_s"));
    }

    /** Runs every part as the kernel would: as a job of its own with the part's parameters over the job's. */
    private static List<PartResult> runParts(Job whole, List<JobPart> parts) throws Exception {
        try (ExecutorService lanes = Executors.newFixedThreadPool(2)) {
            List<Future<Result>> answers = new ArrayList<>();
            for (int k = 0; k < parts.size(); k++) {
                Map<String, String> parameters = new HashMap<>(whole.parameters());
                parameters.putAll(parts.get(k).parameters());
                parameters.put(JobPart.PARAMETER, k + "/" + parts.size());
                Job job = TestJobs.job(parts.get(k).input(), parameters, Duration.ofSeconds(60));
                answers.add(lanes.submit(() -> provider.handle(job)));
            }
            List<PartResult> results = new ArrayList<>();
            for (int k = 0; k < answers.size(); k++) {
                results.add(new PartResult(k, answers.get(k).get(), k % 2 == 0 ? "node-a" : "node-b"));
            }
            return results;
        }
    }
}
