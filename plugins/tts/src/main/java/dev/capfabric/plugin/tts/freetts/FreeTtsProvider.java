package dev.capfabric.plugin.tts.freetts;

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

import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * Speaks with FreeTTS in process. Runs as many jobs at once as it holds {@link FreeTtsVoiceSet}s
 * (setting {@code instances}); each job borrows one set for its whole synthesis.
 */
final class FreeTtsProvider implements CapabilityProvider {

    static final String ID = "freetts";

    private final SpeechRules rules;
    private final BlockingQueue<FreeTtsVoiceSet> idle;
    private final List<FreeTtsVoiceSet> all;
    private final long maxAudioBytes;
    private final List<Artifact> artifacts;

    FreeTtsProvider(SpeechRules rules, List<FreeTtsVoiceSet> sets, long maxAudioBytes, List<Artifact> artifacts) {
        this.rules = requireNonNull(rules, "rules is null");
        this.all = List.copyOf(sets);
        this.idle = new ArrayBlockingQueue<>(all.size(), false, all);
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
                .concurrency(all.size())
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
        return Health.ok(all.size() + " voice set(s) loaded, " + idle.size() + " idle");
    }

    @Override
    public Result handle(Job job) throws CapabilityException {
        SpeechRequest request = SpeechRequest.from(job, rules);
        String voice = request.voice().orElseThrow();
        FreeTtsVoiceSet set = borrow(job);
        FreeTtsVoiceSet.Outcome outcome;
        try {
            outcome = set.speak(voice, request.text(), request.speed(), job::abandoned, maxAudioBytes);
        } finally {
            idle.add(set);
        }
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

    private FreeTtsVoiceSet borrow(Job job) throws CapabilityException {
        try {
            // the kernel runs at most describe().concurrency() jobs, so a set is free unless one leaked
            FreeTtsVoiceSet set = idle.poll(job.timeLeft().toMillis(), TimeUnit.MILLISECONDS);
            if (set == null) {
                throw CapabilityException.timeout("no FreeTTS voice set became free before the job's deadline");
            }
            return set;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CapabilityException.timeout("interrupted while waiting for a FreeTTS voice set");
        }
    }

    @Override
    public void close() {
        all.forEach(FreeTtsVoiceSet::close);
    }
}
