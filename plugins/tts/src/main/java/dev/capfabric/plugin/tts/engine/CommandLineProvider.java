package dev.capfabric.plugin.tts.engine;

import dev.capfabric.plugin.tts.audio.InvalidWavException;
import dev.capfabric.plugin.tts.audio.PcmAudio;
import dev.capfabric.plugin.tts.audio.WavFiles;
import dev.capfabric.plugin.tts.speech.SpeechRequest;
import dev.capfabric.plugin.tts.speech.SpeechResults;
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
import java.util.LinkedHashMap;
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

    @Override
    public Result handle(Job job) throws CapabilityException {
        SpeechRequest request = SpeechRequest.from(job, rules);
        Path folder;
        try {
            folder = work.newJobFolder();
        } catch (IOException e) {
            throw CapabilityException.internal("cannot create a work folder for " + dialect.id() + ": " + e.getMessage(), e);
        }
        try {
            Path text = folder.resolve("text.txt");
            Path wav = folder.resolve("speech.wav");
            Files.writeString(text, request.text(), StandardCharsets.UTF_8);
            EngineProcess process = new EngineProcess(dialect.id(), folder, job.deadline(), job::abandoned, wav, maxAudioBytes);
            EngineProcess.Finished finished = process.run(dialect.speakCommand(binary, request, text, wav));
            if (finished.exitCode() != 0 || !Files.isRegularFile(wav)) {
                throw CapabilityException.internal(dialect.id() + " failed (exit status " + finished.exitCode() + "): "
                        + finished.lastWords(), null);
            }
            PcmAudio audio = WavFiles.read(Files.readAllBytes(wav));
            if (audio.frames() == 0) {
                throw CapabilityException.unprocessable(dialect.id() + " found nothing to speak in the text");
            }
            return SpeechResults.wav(audio, dialect.id(), request.voice().orElseThrow(), Map.of("speed", request.speed()));
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
