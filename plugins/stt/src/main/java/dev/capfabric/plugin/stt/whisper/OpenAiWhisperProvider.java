package dev.capfabric.plugin.stt.whisper;

import dev.capfabric.plugin.stt.SupportedLanguages;
import dev.capfabric.plugin.stt.Transcript;
import dev.capfabric.plugin.stt.audio.SpeechAudio;
import dev.capfabric.plugin.stt.audio.SpeechAudioReader;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Health;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.ProviderDescription;
import dev.capfabric.spi.Result;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.util.Objects.requireNonNull;

/**
 * Speech to text by a remote OpenAI-compatible server ({@code POST /v1/audio/transcriptions},
 * multipart): whisper.cpp's server, faster-whisper servers, LocalAI, OpenAI.
 *
 * <p>The input WAV is checked and converted here (16 kHz mono 16-bit, what Whisper models consume),
 * so an undecodable upload is refused before it costs a round trip and the upload is as small as it
 * can be. Each request waits at most the job's time left (and never longer than the configured
 * request timeout). {@link #health()} probes {@code GET /v1/models}; {@link #describe()} advertises
 * what the last probe found.
 */
final class OpenAiWhisperProvider implements CapabilityProvider {

    /** How often a waiting job looks at its cancellation. */
    private static final long CANCELLATION_POLL_MS = 100;

    private final String id;
    private final WhisperBackend backend;
    private final SpeechAudioReader reader;
    private final List<String> languages;
    private final long maxInputBytes;
    private final int concurrency;
    private final HttpClient client;
    private volatile Probe lastProbe;

    /** What the last health probe found. */
    private record Probe(Health health, List<String> models) {
    }

    OpenAiWhisperProvider(String id, WhisperBackend backend, SpeechAudioReader reader, List<String> languages,
                          long maxInputBytes, int concurrency) {
        this.id = requireNonNull(id, "id is null");
        this.backend = requireNonNull(backend, "backend is null");
        this.reader = requireNonNull(reader, "reader is null");
        this.languages = List.copyOf(languages);
        this.maxInputBytes = maxInputBytes;
        this.concurrency = concurrency;
        // HTTP/1.1: whisper.cpp's server and others do not take the h2c upgrade a plain-http HTTP/2 client offers
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(backend.probeTimeout())
                .build();
        this.lastProbe = new Probe(Health.ok("not probed yet"), List.of());
    }

    @Override
    public ProviderDescription describe() {
        Probe probe = lastProbe;
        List<String> models = new ArrayList<>(probe.models());
        if (!models.contains(backend.model())) {
            models.addFirst(backend.model());
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("engine", "OpenAI-compatible /v1/audio/transcriptions");
        extra.put("base_url", backend.baseUrl().toString());
        extra.put("default_model", backend.model());
        extra.put("backend", probe.health().detail());
        extra.put("max_audio_s", reader.maxSeconds());
        return ProviderDescription.builder()
                .threading(ProviderDescription.Threading.VIRTUAL) // it only waits for the backend, on a socket
                .models(models)
                .languages(languages)
                .accepts(SpeechAudioReader.ACCEPTED_TYPES.stream().sorted().toList())
                .produces(List.of(Payload.JSON))
                .maxInputBytes(maxInputBytes)
                .concurrency(concurrency)
                .extra(extra)
                .build();
    }

    @Override
    public Health health() {
        Probe probe = probe();
        lastProbe = probe;
        return probe.health();
    }

    private Probe probe() {
        HttpRequest request = authorized(HttpRequest.newBuilder(backend.models()))
                .timeout(backend.probeTimeout())
                .GET()
                .build();
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            int status = response.statusCode();
            if (status == 200) {
                List<String> models = modelIds(response.body());
                return new Probe(Health.ok("backend lists " + models.size() + " transcription model(s)"), models);
            }
            if (status == 404 || status == 405) {
                return new Probe(Health.ok("backend answers; it lists no models (" + status + " on /v1/models)"),
                        List.of());
            }
            return new Probe(Health.down(BackendErrors.toException(status, response.body()).getMessage()), List.of());
        } catch (HttpTimeoutException e) {
            return new Probe(Health.down("backend " + backend.models() + " did not answer within "
                    + backend.probeTimeout().toMillis() + " ms"), List.of());
        } catch (IOException e) {
            return new Probe(Health.down("backend unreachable at " + backend.models() + ": " + describe(e)), List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Probe(Health.down("health probe interrupted"), List.of());
        }
    }

    /**
     * The model ids of a {@code /v1/models} answer that look like transcription models; all of them
     * when none does (a server that names its models freely).
     */
    private static List<String> modelIds(String body) {
        List<String> ids = new ArrayList<>();
        Json.parseObject(body).map(json -> json.get("data")).filter(List.class::isInstance)
                .ifPresent(data -> ((List<?>) data).forEach(entry -> Json.string(entry, "id").ifPresent(ids::add)));
        List<String> transcription = ids.stream().filter(modelId -> {
            String lower = modelId.toLowerCase(Locale.ROOT);
            return lower.contains("whisper") || lower.contains("transcri");
        }).toList();
        return transcription.isEmpty() ? ids : transcription;
    }

    @Override
    public Result handle(Job job) throws CapabilityException {
        if (job.input().size() > maxInputBytes) {
            throw CapabilityException.tooLarge("input is " + job.input().size() + " bytes; "
                    + id + " takes at most " + maxInputBytes);
        }
        String language = language(job);
        String model = job.parameter("model").orElse(backend.model());
        SpeechAudio audio = reader.read(job.input());
        MultipartForm form = new MultipartForm()
                .file("file", "audio.wav", "audio/wav", audio.toWav())
                .field("model", model)
                .field("response_format", "json");
        if (!language.equals("und")) {
            form.field("language", language);
        }
        Duration left = job.timeLeft();
        if (left.isZero() || job.abandoned()) {
            throw CapabilityException.timeout("job abandoned before it was sent to the backend");
        }
        Duration timeout = left.compareTo(backend.requestTimeout()) < 0 ? left : backend.requestTimeout();
        HttpRequest request = authorized(HttpRequest.newBuilder(backend.transcriptions()))
                .timeout(timeout)
                .header("Content-Type", form.contentType())
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(form.toBytes()))
                .build();
        HttpResponse<String> response = send(request, job, timeout);
        if (response.statusCode() != 200) {
            throw BackendErrors.toException(response.statusCode(), response.body());
        }
        String text = Json.parseObject(response.body()).flatMap(json -> Json.string(json, "text"))
                .orElseThrow(() -> CapabilityException.unavailable(
                        "backend answered 200 without a JSON 'text' field: " + abbreviate(response.body())));
        String recognised = language.equals("und")
                ? Json.parseObject(response.body()).flatMap(json -> Json.string(json, "language"))
                        .filter(SupportedLanguages::isTag).orElse("und")
                : language;
        return new Transcript(text.strip(), recognised, audio.durationSeconds(), id).toResult();
    }

    /** The language to ask for: ISO 639-1 as OpenAI wants it, or {@code und} to let the backend detect it. */
    private String language(Job job) throws CapabilityException {
        if (job.parameter("language").isEmpty()) {
            return "und";
        }
        String requested = job.parameter("language").get().strip();
        if (!SupportedLanguages.isTag(requested)) {
            throw CapabilityException.badInput("language '" + requested + "' is not a language tag such as 'en' or 'en-US'");
        }
        String primary = SupportedLanguages.primary(requested);
        if (!languages.isEmpty() && languages.stream().map(SupportedLanguages::primary).noneMatch(primary::equals)) {
            throw CapabilityException.unprocessable("language '" + requested + "' is not available from "
                    + id + " (it has " + languages + ")");
        }
        return primary;
    }

    private HttpResponse<String> send(HttpRequest request, Job job, Duration timeout) throws CapabilityException {
        CompletableFuture<HttpResponse<String>> pending =
                client.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        try {
            while (true) {
                try {
                    return pending.get(CANCELLATION_POLL_MS, TimeUnit.MILLISECONDS);
                } catch (TimeoutException stillWaiting) {
                    if (job.cancellation().isCancelled()) {
                        pending.cancel(true);
                        throw CapabilityException.timeout("job cancelled while the backend was transcribing");
                    }
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof HttpTimeoutException) {
                throw CapabilityException.timeout("backend did not answer within " + timeout.toMillis() + " ms");
            }
            throw new CapabilityException(CapabilityException.Kind.UNAVAILABLE,
                    "backend unreachable at " + backend.transcriptions() + ": " + describe(cause), cause);
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw CapabilityException.timeout("interrupted while waiting for the backend");
        }
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder builder) {
        backend.apiKey().ifPresent(key -> builder.header("Authorization", "Bearer " + key));
        return builder;
    }

    private static String describe(Throwable failure) {
        if (failure instanceof ConnectException) {
            return "connection refused";
        }
        String message = failure.getMessage();
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static String abbreviate(String body) {
        String flat = body.strip();
        return flat.length() <= 200 ? flat : flat.substring(0, 200) + "…";
    }

    @Override
    public void close() {
        client.shutdownNow();
    }
}
