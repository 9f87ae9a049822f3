package dev.capfabric.plugin.tts.freetts;

import dev.capfabric.plugin.tts.audio.PcmAudio;
import dev.capfabric.plugin.tts.speech.Sentences;
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
import dev.capfabric.spi.support.EnginePool;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * Speaks with FreeTTS in process. Runs at most as many jobs at once as it may hold
 * {@link FreeTtsVoiceSet}s (setting {@code instances}); each job borrows one set for its whole
 * synthesis. Sets are loaded as jobs need them; when the first cannot be loaded, jobs fail with
 * {@code UNAVAILABLE} and {@link #health()} reports the provider down with the reason.
 */
final class FreeTtsProvider implements CapabilityProvider {

    static final String ID = "freetts";

    private final SpeechRules rules;
    private final EnginePool<FreeTtsVoiceSet> sets;
    private final long maxAudioBytes;
    private final List<Artifact> artifacts;

    FreeTtsProvider(SpeechRules rules, EnginePool<FreeTtsVoiceSet> sets, long maxAudioBytes, List<Artifact> artifacts) {
        this.rules = requireNonNull(rules, "rules is null");
        this.sets = requireNonNull(sets, "sets is null");
        this.maxAudioBytes = maxAudioBytes;
        this.artifacts = List.copyOf(artifacts);
    }

    @Override
    public ProviderDescription describe() {
        return ProviderDescription.builder()
                .models(List.of("freetts-1.2.2"))
                .languages(rules.languages())
                .voices(rules.voiceNames())
                .accepts(List.of(Payload.JSON, "text/plain"))
                .produces(rules.mediaTypes())
                .maxInputBytes(rules.maxInputBytes())
                .concurrency(sets.size())
                .artifacts(artifacts)
                .extra(Map.of(
                        "engine", "FreeTTS 1.2.2 (pure Java, in process)",
                        "formats", rules.formatNames(),
                        "default_voice", rules.defaultVoice().orElseThrow(),
                        "speed", Map.of("min", rules.minSpeed(), "max", rules.maxSpeed()),
                        "max_text_chars", rules.maxTextChars(),
                        "not_offered", Map.of("alan", "limited-domain voice: speaks clock times only")))
                .build();
    }

    @Override
    public Health health() {
        return sets.broken().map(Health::down).orElseGet(() -> Health.ok(sets.started() + " of " + sets.size()
                + " voice sets loaded (loaded on demand)"));
    }

    /**
     * Speaks the job's text in one utterance; or, when someone follows the job's events and the text has
     * several sentences, sentence by sentence with the same borrowed voice set, each sentence's WAV a
     * partial result as soon as it is spoken. The final result is the whole speech either way.
     */
    @Override
    public Result handle(Job job) throws CapabilityException {
        SpeechRequest request = SpeechRequest.from(job, rules);
        String voice = request.voice().orElseThrow();
        List<String> sentences = job.streaming() ? Sentences.of(request.text(), Locale.ROOT) : List.of(request.text());
        FreeTtsVoiceSet.Outcome outcome = sets.use(job, set -> {
            if (sentences.size() == 1) {
                return set.speak(voice, request.text(), request.speed(), job::abandoned, maxAudioBytes);
            }
            List<PcmAudio> spoken = new ArrayList<>(sentences.size());
            long bytes = 0;
            for (int i = 0; i < sentences.size(); i++) {
                FreeTtsVoiceSet.Outcome piece = set.speak(voice, sentences.get(i), request.speed(), job::abandoned, maxAudioBytes - bytes);
                spoken.add(piece.audio());
                bytes += 2L * piece.audio().samples().length;
                if (!piece.complete() || job.abandoned()) {
                    return new FreeTtsVoiceSet.Outcome(PcmAudio.concat(spoken), false, piece.overflowed());
                }
                job.partial(SpeechResults.wav(piece.audio(), ID, voice, Map.of("index", i, "text", sentences.get(i))));
                job.progress((i + 1) / (double) sentences.size(), "spoke sentence " + (i + 1) + " of " + sentences.size());
            }
            return new FreeTtsVoiceSet.Outcome(PcmAudio.concat(spoken), true, false);
        });
        if (job.abandoned()) {
            throw CapabilityException.timeout("freetts stopped: the job's deadline passed or its caller left");
        }
        if (outcome.overflowed()) {
            throw CapabilityException.tooLarge("the speech outgrew " + maxAudioBytes
                    + " bytes of audio (setting max-audio-bytes); send a shorter text");
        }
        if (outcome.audio().frames() == 0) {
            throw CapabilityException.unprocessable("freetts found nothing to speak in the text");
        }
        if (!outcome.complete()) {
            throw CapabilityException.internal("freetts failed part-way through the text", null);
        }
        return SpeechResults.wav(outcome.audio(), ID, voice, Map.of("speed", request.speed()));
    }

    @Override
    public void close() {
        sets.close();
    }
}
