package dev.capfabric.plugin.tts.openai;

import dev.capfabric.plugin.tts.audio.InvalidWavException;
import dev.capfabric.plugin.tts.audio.PcmAudio;
import dev.capfabric.plugin.tts.audio.WavFiles;
import dev.capfabric.plugin.tts.speech.OutputFormat;
import dev.capfabric.plugin.tts.speech.SpeechRequest;
import dev.capfabric.plugin.tts.speech.SpeechResults;
import dev.capfabric.plugin.tts.speech.SpeechRules;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Health;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.ProviderDescription;
import dev.capfabric.spi.Result;

import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * Speaks through a remote OpenAI-compatible speech server ({@code POST /v1/audio/speech}). Health probes
 * ask the server for its models ({@code GET /v1/models}) and, where it lists them, its voices
 * ({@code GET /v1/audio/voices}, Kokoro-FastAPI); {@link #describe()} advertises what the last probe found.
 *
 * <p>Voice names are passed to the server as given: it is the authority on them (Kokoro-FastAPI also takes
 * OpenAI's names and mixes such as {@code af_bella+af_sky}) and answers an unknown one with an error that
 * lists its voices. WAV answers are normalised to 16-bit PCM; mp3, opus, aac and flac are passed through
 * once their first bytes show they are what was asked for.
 */
final class OpenAiSpeechProvider implements CapabilityProvider {

    static final String ID = "openai-speech";
    static final double MIN_SPEED = 0.25;
    static final double MAX_SPEED = 4.0;
    private static final Set<OutputFormat> FORMATS = EnumSet.allOf(OutputFormat.class);

    private final SpeechBackendSettings settings;
    private final SpeechBackend backend;
    private volatile BackendProbe lastProbe = BackendProbe.notYet();

    OpenAiSpeechProvider(SpeechBackendSettings settings, SpeechBackend backend) {
        this.settings = requireNonNull(settings, "settings is null");
        this.backend = requireNonNull(backend, "backend is null");
    }

    @Override
    public ProviderDescription describe() {
        BackendProbe probe = lastProbe;
        SpeechRules rules = rules(probe);
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("backend", backend.where());
        extra.put("default_model", settings.defaultModel());
        extra.put("default_voice", rules.defaultVoice().orElseThrow());
        extra.put("formats", rules.formatNames());
        extra.put("speed", Map.of("min", MIN_SPEED, "max", MAX_SPEED));
        extra.put("max_text_chars", settings.maxTextChars());
        extra.put("probed_at", probe.at().toString());
        extra.put("probe", probe.detail());
        return ProviderDescription.builder()
                .threading(ProviderDescription.Threading.VIRTUAL) // it only waits for the backend, on a socket
                .models(probe.models())
                .voices(probe.voices())
                .accepts(List.of(Payload.JSON, "text/plain"))
                .produces(rules.mediaTypes())
                .maxInputBytes(rules.maxInputBytes())
                .concurrency(settings.concurrency())
                .extra(extra)
                .build();
    }

    @Override
    public Health health() {
        BackendProbe probe = backend.probe();
        lastProbe = probe;
        if (!probe.up()) {
            return Health.down(probe.detail());
        }
        if (!probe.models().isEmpty() && !probe.models().contains(settings.defaultModel())) {
            return Health.down(backend.where() + " does not offer the model '" + settings.defaultModel()
                    + "' (setting model); it offers: " + String.join(", ", probe.models()));
        }
        return Health.ok(backend.where() + ": " + probe.models().size() + " model(s), "
                + (probe.voices().isEmpty() ? "voices not listed" : probe.voices().size() + " voice(s)"));
    }

    @Override
    public Result handle(Job job) throws CapabilityException {
        BackendProbe probe = lastProbe;
        SpeechRequest request = SpeechRequest.from(job, rules(probe));
        String model = job.parameter("model").map(String::strip).orElse(settings.defaultModel());
        if (!probe.models().isEmpty() && !probe.models().contains(model)) {
            throw CapabilityException.unprocessable("model '" + model + "' is not offered by " + backend.where()
                    + "; it offers: " + String.join(", ", probe.models()));
        }
        String voice = request.voice().orElseThrow();
        byte[] body = SpeechApiJson.speechRequest(model, request.text(), voice, request.format().wireName(), request.speed());

        Instant capped = Instant.now().plus(settings.jobTimeout());
        boolean capFirst = capped.isBefore(job.deadline());
        SpeechBackend.Answer answer = backend.speak(body, capFirst ? capped : job.deadline(),
                capFirst ? "setting timeout-ms, " + settings.jobTimeout().toMillis() + " ms" : "the job's deadline",
                job.cancellation());
        if (!answer.ok()) {
            throw BackendRefusals.of(answer, backend.where());
        }
        Map<String, Object> extra = Map.of("model", model, "speed", request.speed());
        if (request.format() == OutputFormat.WAV) {
            return SpeechResults.wav(wav(answer), ID, voice, extra);
        }
        if (!EncodedAudio.looksLike(request.format(), answer.body())) {
            throw CapabilityException.internal(backend.where() + " answered " + answer.body().length + " bytes of "
                    + contentType(answer) + " that are not " + request.format().wireName() + " audio", null);
        }
        return SpeechResults.encoded(answer.body(), request.format(), ID, voice, extra);
    }

    private PcmAudio wav(SpeechBackend.Answer answer) throws CapabilityException {
        PcmAudio audio;
        try {
            audio = WavFiles.read(answer.body());
        } catch (InvalidWavException e) {
            throw CapabilityException.internal(backend.where() + " answered " + answer.body().length + " bytes of "
                    + contentType(answer) + " that are not a readable WAV file: " + e.getMessage(), e);
        }
        if (audio.frames() == 0) {
            throw CapabilityException.unprocessable(backend.where() + " answered a WAV file without any sound");
        }
        return audio;
    }

    private SpeechRules rules(BackendProbe probe) {
        return new SpeechRules(ID, settings.maxTextChars(), List.of(), Optional.of(defaultVoice(probe)),
                MIN_SPEED, MAX_SPEED, FORMATS);
    }

    /** The configured voice; else OpenAI's {@code alloy} unless the server lists voices without it. */
    private String defaultVoice(BackendProbe probe) {
        return settings.defaultVoice().orElseGet(() ->
                probe.voices().isEmpty() || probe.voices().contains("alloy") ? "alloy" : probe.voices().getFirst());
    }

    private static String contentType(SpeechBackend.Answer answer) {
        return answer.contentType().isBlank() ? "unnamed content" : answer.contentType();
    }

    @Override
    public void close() {
        backend.close();
    }
}
