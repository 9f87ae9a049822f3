package dev.capfabric.plugin.tts.engine;

import dev.capfabric.plugin.tts.audio.InvalidWavException;
import dev.capfabric.plugin.tts.audio.PcmAudio;
import dev.capfabric.plugin.tts.audio.WavFiles;
import dev.capfabric.plugin.tts.speech.SpeechRequest;
import dev.capfabric.plugin.tts.speech.SpeechResults;
import dev.capfabric.plugin.tts.speech.Sentences;
import dev.capfabric.plugin.tts.speech.SpeechRules;
import dev.capfabric.spi.Artifact;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Health;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.ProviderDescription;
import dev.capfabric.spi.Result;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * A system speech engine run as one process per job: the text goes in as a file, a WAV file comes out
 * and is normalised to 16-bit PCM. Jobs share nothing, so it runs as many at once as configured
 * ({@code concurrency}, default: the node's processor count).
 */
final class CommandLineProvider implements CapabilityProvider {

    private final EngineDialect dialect;
    private final Path binary;
    private final SpeechRules rules;
    private final WorkFolder work;
    private final long maxAudioBytes;
    private final int concurrency;
    private final Map<String, Object> extra;
    private final List<Artifact> artifacts;

    CommandLineProvider(EngineDialect dialect, Path binary, SpeechRules rules, WorkFolder work, long maxAudioBytes,
                        int concurrency, Map<String, Object> extra, List<Artifact> artifacts) {
        this.dialect = requireNonNull(dialect, "dialect is null");
        this.binary = requireNonNull(binary, "binary is null");
        this.rules = requireNonNull(rules, "rules is null");
        this.work = requireNonNull(work, "work is null");
        this.maxAudioBytes = maxAudioBytes;
        this.concurrency = concurrency;
        this.extra = Map.copyOf(extra);
        this.artifacts = List.copyOf(artifacts);
    }

    @Override
    public ProviderDescription describe() {
        Map<String, Object> shown = new LinkedHashMap<>(extra);
        shown.put("binary", binary.toString());
        shown.put("formats", rules.formatNames());
        rules.defaultVoice().ifPresent(voice -> shown.put("default_voice", voice));
        shown.put("speed", Map.of("min", rules.minSpeed(), "max", rules.maxSpeed()));
        shown.put("max_text_chars", rules.maxTextChars());
        return ProviderDescription.builder()
                .languages(rules.languages())
                .voices(rules.voiceNames())
                .accepts(List.of(Payload.JSON, "text/plain"))
                .produces(rules.mediaTypes())
                .maxInputBytes(rules.maxInputBytes())
                .concurrency(concurrency)
                .artifacts(artifacts)
                .extra(shown)
                .build();
    }

    @Override
    public Health health() {
        return EngineBinary.runnable(binary) ? Health.ok("ready: runs " + binary + " for each job")
                : Health.down(binary + " is no longer an executable file: was " + dialect.id() + " uninstalled?");
    }

    /**
     * Speaks the job's text in one process; or, when someone follows the job's events and the text has
     * several sentences, one process per sentence, each sentence's WAV emitted as a partial result as soon
     * as it is spoken (so the first audio arrives after one sentence, not the whole text). The final result
     * is the whole speech either way.
     */
    @Override
    public Result handle(Job job) throws CapabilityException {
        SpeechRequest request = SpeechRequest.from(job, rules);
        String voice = request.voice().orElseThrow();
        List<String> sentences = job.streaming() ? Sentences.of(request.text(), Locale.ROOT) : List.of(request.text());
        List<PcmAudio> spoken = new ArrayList<>(sentences.size());
        long bytes = 0;
        for (int i = 0; i < sentences.size(); i++) {
            if (job.abandoned()) {
                throw CapabilityException.timeout(dialect.id() + " stopped: the job's deadline passed or its caller left");
            }
            PcmAudio audio = speak(job, request, sentences.get(i), sentences.size() == 1);
            bytes += 2L * audio.samples().length;
            if (bytes > maxAudioBytes) {
                throw CapabilityException.tooLarge("the speech outgrew " + maxAudioBytes
                        + " bytes of audio (setting max-audio-bytes); send a shorter text");
            }
            spoken.add(audio);
            if (sentences.size() > 1) {
                job.partial(SpeechResults.wav(audio, dialect.id(), voice, Map.of("index", i, "text", sentences.get(i))));
                job.progress((i + 1) / (double) sentences.size(), "spoke sentence " + (i + 1) + " of " + sentences.size());
            }
        }
        PcmAudio whole = PcmAudio.concat(spoken);
        if (whole.frames() == 0) {
            throw CapabilityException.unprocessable(dialect.id() + " found nothing to speak in the text");
        }
        return SpeechResults.wav(whole, dialect.id(), voice, Map.of("speed", request.speed()));
    }

    /** One run of the engine; a piece of a longer text may come out silent (punctuation alone). */
    private PcmAudio speak(Job job, SpeechRequest request, String text, boolean whole) throws CapabilityException {
        Path folder;
        try {
            folder = work.newJobFolder();
        } catch (IOException e) {
            throw CapabilityException.internal("cannot create a work folder for " + dialect.id() + ": " + e.getMessage(), e);
        }
        try {
            Path textFile = folder.resolve("text.txt");
            Path wav = folder.resolve("speech.wav");
            Files.writeString(textFile, text, StandardCharsets.UTF_8);
            EngineProcess process = new EngineProcess(dialect.id(), folder, job.deadline(), job::abandoned, wav, maxAudioBytes);
            EngineProcess.Finished finished = process.run(dialect.speakCommand(binary, request, textFile, wav));
            if (finished.exitCode() != 0 || !Files.isRegularFile(wav)) {
                throw CapabilityException.internal(dialect.id() + " failed (exit status " + finished.exitCode() + "): "
                        + finished.lastWords(), null);
            }
            PcmAudio audio = WavFiles.read(Files.readAllBytes(wav));
            if (whole && audio.frames() == 0) {
                throw CapabilityException.unprocessable(dialect.id() + " found nothing to speak in the text");
            }
            return audio;
        } catch (IOException e) {
            throw CapabilityException.internal(dialect.id() + " job files: " + e.getMessage(), e);
        } catch (InvalidWavException e) {
            throw CapabilityException.internal(dialect.id() + " wrote an unreadable WAV file: " + e.getMessage(), e);
        } finally {
            WorkFolder.delete(folder);
        }
    }

    @Override
    public void close() {
        // nothing held between jobs: each job's process has ended and its folder is gone
    }
}
