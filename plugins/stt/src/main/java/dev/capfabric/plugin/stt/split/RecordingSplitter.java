package dev.capfabric.plugin.stt.split;

import dev.capfabric.plugin.stt.audio.SpeechAudio;
import dev.capfabric.plugin.stt.audio.SpeechAudioReader;
import dev.capfabric.plugin.stt.audio.WavFile;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.JobPart;
import dev.capfabric.spi.Payload;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Splits a long recording into parts for the fleet: decodes it once (to the engine's rate, mono), cuts
 * it in pauses ({@link CutPlanner}) and gives each part as a 16-bit PCM WAV file with its start in the
 * whole recording in the parameter {@value #OFFSET}. A recording no longer than the policy's threshold,
 * and a job that is itself a part, are not split. Thread-safe.
 */
public final class RecordingSplitter {

    /** The parameter of a part's job giving where the part starts in the whole recording, in seconds. */
    public static final String OFFSET = "offset_s";

    private final SplitPolicy policy;
    private final SpeechAudioReader reader;
    private final CutPlanner planner;

    /**
     * @param policy when and how to split
     * @param reader the provider's reader: the recording's length limit applies to the whole of it
     */
    public RecordingSplitter(SplitPolicy policy, SpeechAudioReader reader) {
        this.policy = requireNonNull(policy, "policy is null");
        this.reader = requireNonNull(reader, "reader is null");
        this.planner = new CutPlanner(policy.overlapMillis());
    }

    public SplitPolicy policy() {
        return policy;
    }

    /**
     * The parts of {@code job}'s recording, in order; empty when it runs whole.
     *
     * @throws CapabilityException as the provider's own reading of the recording would: {@code BAD_INPUT}
     *                             for what is not a WAV file it reads, {@code TOO_LARGE} above its length limit
     */
    public List<JobPart> split(Job job) throws CapabilityException {
        if (JobPart.isPart(job)) {
            return List.of();
        }
        double length;
        try {
            length = WavFile.parse(job.input().bytes()).durationSeconds();
        } catch (CapabilityException unreadable) {
            return List.of(); // the job runs whole, and is refused there for the same reason
        }
        int parts = policy.partsFor(length);
        if (parts < 2) {
            return List.of();
        }
        SpeechAudio audio = reader.read(job.input());
        List<CutPlanner.Span> spans = planner.plan(audio.samples(), audio.sampleRate(), parts);
        if (spans.size() < 2) {
            return List.of();
        }
        List<JobPart> jobParts = new ArrayList<>(spans.size());
        for (CutPlanner.Span span : spans) {
            short[] samples = Arrays.copyOfRange(audio.samples(), span.start(), span.end());
            SpeechAudio part = new SpeechAudio(samples, audio.sampleRate(), samples.length / (double) audio.sampleRate(),
                    audio.sourceFormat());
            jobParts.add(new JobPart(Map.of(OFFSET, Double.toString(span.start() / (double) audio.sampleRate())),
                    new Payload("audio/wav", part.toWav())));
        }
        return List.copyOf(jobParts);
    }

    /**
     * Where the part {@code job} starts in its whole recording, in seconds; empty for a job that is not a
     * part or whose part names no offset.
     *
     * @throws CapabilityException {@code BAD_INPUT} when the offset is not a number of seconds
     */
    public static Optional<Double> offsetOf(Job job) throws CapabilityException {
        if (!JobPart.isPart(job) || job.parameter(OFFSET).isEmpty()) {
            return Optional.empty();
        }
        String value = job.parameter(OFFSET).get().strip();
        try {
            double offset = Double.parseDouble(value);
            if (!Double.isFinite(offset) || offset < 0) {
                throw CapabilityException.badInput(OFFSET + " must be a number of seconds from 0, not '" + value + "'");
            }
            return Optional.of(offset);
        } catch (NumberFormatException e) {
            throw CapabilityException.badInput(OFFSET + " must be a number of seconds from 0, not '" + value + "'");
        }
    }
}
