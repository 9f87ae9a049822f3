package dev.capfabric.plugin.stt;

import dev.capfabric.plugin.stt.audio.SpeechAudio;
import dev.capfabric.plugin.stt.audio.SpeechAudioReader;
import dev.capfabric.plugin.stt.audio.WavFile;
import dev.capfabric.plugin.stt.split.RecordingSplitter;
import dev.capfabric.plugin.stt.split.SplitPolicy;
import dev.capfabric.plugin.stt.split.TranscriptMerger;
import dev.capfabric.spi.Artifact;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Health;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.JobPart;
import dev.capfabric.spi.PartResult;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.ProviderDescription;
import dev.capfabric.spi.Result;
import dev.capfabric.spi.support.EnginePool;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * An stt provider whose engine runs inside this JVM (pocketsphinx through FFM, Sphinx4): checks the
 * job, turns its WAV input into the engine's audio format, borrows an engine from the pool for the
 * recognition and answers with a {@link Transcript}. The model is loaded by the first job that needs
 * it, not at creation (see {@link EnginePool}). A recording longer than its {@link SplitPolicy} allows
 * is split at pauses into parts that the fleet transcribes side by side ({@link RecordingSplitter}), and
 * their transcripts are merged with times in the whole recording ({@link TranscriptMerger}).
 *
 * @param <E> the engine type
 */
public final class LocalSttProvider<E extends AutoCloseable> implements CapabilityProvider {

    /** Runs one recognition on a borrowed engine. */
    @FunctionalInterface
    public interface Recognition<E> {
        String recognize(E engine, SpeechAudio audio, Job job) throws CapabilityException;
    }

    /**
     * What the provider is, apart from its engines.
     *
     * @param id            provider id
     * @param model         the one model it runs
     * @param languages     the model's languages
     * @param reader        reads input into the engine's audio format
     * @param maxInputBytes the largest input taken
     * @param artifacts     model files found
     * @param extra         engine facts for {@code /caps}
     * @param split         when and how long recordings are split across the fleet
     */
    public record Profile(String id, String model, SupportedLanguages languages, SpeechAudioReader reader,
                          long maxInputBytes, List<Artifact> artifacts, Map<String, Object> extra, SplitPolicy split) {
        public Profile {
            requireNonNull(id, "id is null");
            requireNonNull(model, "model is null");
            requireNonNull(languages, "languages is null");
            requireNonNull(reader, "reader is null");
            requireNonNull(split, "split is null");
            artifacts = List.copyOf(artifacts);
            extra = Map.copyOf(extra);
        }
    }

    private final Profile profile;
    private final EnginePool<E> engines;
    private final Recognition<E> recognition;
    private final AutoCloseable afterEngines;
    private final RecordingSplitter splitter;

    /**
     * @param afterEngines released after every engine is closed (the native library, say)
     */
    public LocalSttProvider(Profile profile, EnginePool<E> engines, Recognition<E> recognition,
                            AutoCloseable afterEngines) {
        this.profile = requireNonNull(profile, "profile is null");
        this.engines = requireNonNull(engines, "engines is null");
        this.recognition = requireNonNull(recognition, "recognition is null");
        this.afterEngines = requireNonNull(afterEngines, "afterEngines is null");
        this.splitter = new RecordingSplitter(profile.split(), profile.reader());
    }

    @Override
    public ProviderDescription describe() {
        Map<String, Object> extra = new LinkedHashMap<>(profile.extra());
        extra.put("max_audio_s", profile.reader().maxSeconds());
        if (profile.split().aboveSeconds() > 0) {
            extra.put("split_above_s", profile.split().aboveSeconds());
            extra.put("split_part_s", profile.split().partSeconds());
        }
        List<String> accepts = new ArrayList<>(SpeechAudioReader.ACCEPTED_TYPES.stream().sorted().toList());
        return ProviderDescription.builder()
                .models(List.of(profile.model()))
                .languages(profile.languages().advertised())
                .accepts(accepts)
                .produces(List.of(Payload.JSON))
                .maxInputBytes(profile.maxInputBytes())
                .concurrency(engines.size())
                .artifacts(profile.artifacts())
                .extra(extra)
                .build();
    }

    /** Down, with the reason, once the model failed to load; otherwise how many engines hold it now. */
    @Override
    public Health health() {
        return engines.broken().map(Health::down).orElseGet(() -> Health.ok(profile.model() + " in process, "
                + engines.started() + " of " + engines.size() + " engines loaded (loaded on demand)"));
    }

    @Override
    public Result handle(Job job) throws CapabilityException {
        String language = check(job);
        Optional<Double> offset = RecordingSplitter.offsetOf(job);
        SpeechAudio audio = profile.reader().read(job.input());
        if (job.abandoned()) {
            throw CapabilityException.timeout("job abandoned before recognition started");
        }
        String text = engines.use(job, engine -> recognition.recognize(engine, audio, job));
        Result result = new Transcript(text, language, audio.durationSeconds(), profile.id()).toResult();
        // a part says where it lies in the whole recording, for the merge on the node that split it
        return offset.map(seconds -> withField(result, RecordingSplitter.OFFSET, seconds)).orElse(result);
    }

    /** The parts of a recording longer than the split policy allows; none (the job runs whole) otherwise. */
    @Override
    public List<JobPart> split(Job job) throws CapabilityException {
        check(job);
        return splitter.split(job);
    }

    /** The parts' transcripts as one of the whole recording, every time in the whole recording's seconds. */
    @Override
    public Result merge(Job job, List<PartResult> parts) throws CapabilityException {
        return TranscriptMerger.merge(parts, WavFile.parse(job.input().bytes()).durationSeconds(), profile.id());
    }

    /** Checks what can be checked before the audio is read; returns the language to answer with. */
    private String check(Job job) throws CapabilityException {
        if (job.input().size() > profile.maxInputBytes()) {
            throw CapabilityException.tooLarge("input is " + job.input().size() + " bytes; "
                    + profile.id() + " takes at most " + profile.maxInputBytes());
        }
        String model = job.parameter("model").orElse(profile.model());
        if (!model.equals(profile.model())) {
            throw CapabilityException.unprocessable("model '" + model + "' is not available from "
                    + profile.id() + " (it has " + profile.model() + ")");
        }
        return profile.languages().resolve(job.parameter("language"));
    }

    private static Result withField(Result result, String key, Object value) {
        Map<String, Object> fields = new LinkedHashMap<>(result.metadata());
        fields.put(key, value);
        return new Result(result.output(), fields);
    }

    @Override
    public void close() {
        try (afterEngines) {
            engines.close();
        } catch (Exception e) {
            throw new IllegalStateException(profile.id() + " did not close cleanly", e);
        }
    }
}
