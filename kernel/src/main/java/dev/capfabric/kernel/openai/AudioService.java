package dev.capfabric.kernel.openai;

import com.fasterxml.jackson.core.JacksonException;
import dev.capfabric.kernel.dispatch.Outcome;
import dev.capfabric.kernel.http.Json;
import dev.capfabric.kernel.http.RequestBodies;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Payload;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * {@code POST /v1/audio/transcriptions}, {@code /v1/audio/translations} and {@code /v1/audio/speech}
 * in the shapes of OpenAI's API, run as {@code stt} and {@code tts} jobs.
 *
 * <p>Uploads in any format OpenAI takes are decoded to WAV by {@link AudioCodec} on this node before
 * the job is routed; speech comes back from the engine as WAV and is encoded to the format asked for
 * on the way out, written as it is encoded ({@code stream_format: "audio"}, chunked) or as
 * {@code speech.audio.delta} server-sent events ({@code "sse"}). {@code stream: true} on a
 * transcription answers {@code transcript.text.delta} and {@code transcript.text.done} events; the
 * shipped engines recognise a whole file at once, so the one delta holds the whole text and comes at
 * the end. {@code instructions} is accepted and not used: no shipped engine can follow it.
 */
final class AudioService implements HttpService {

    static final Capability STT = Capability.of("stt");
    static final Capability TTS = Capability.of("tts");
    private static final int MAX_SPEECH_CHARS = 4096;
    /** OpenAI's voice names: spoken with the configured fleet voice, else the engine's default voice. */
    static final Set<String> OPENAI_VOICES = Set.of("alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx",
            "sage", "shimmer", "verse", "marin", "cedar");

    private final FrontDoorJobs jobs;
    private final AudioCodec codec;
    private final Map<String, String> voices;

    AudioService(FrontDoorJobs jobs, AudioCodec codec, Map<String, String> voices) {
        this.jobs = requireNonNull(jobs, "jobs is null");
        this.codec = requireNonNull(codec, "codec is null");
        this.voices = Map.copyOf(voices);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/transcriptions", (request, response) -> FrontDoor.answer(response, () -> transcribe(request, response, "transcribe")))
                .post("/translations", (request, response) -> FrontDoor.answer(response, () -> transcribe(request, response, "translate")))
                .post("/speech", (request, response) -> FrontDoor.answer(response, () -> speak(request, response)));
    }

    // ---- transcriptions and translations ------------------------------------------------------------

    private void transcribe(ServerRequest request, ServerResponse response, String task) {
        String route = task.equals("translate") ? "/v1/audio/translations" : "/v1/audio/transcriptions";
        String contentType = request.headers().first(HeaderNames.CONTENT_TYPE).orElse("");
        if (!contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            throw new OpenAiError.Failure(415, route + " takes multipart/form-data with a 'file' field, not '"
                    + (contentType.isEmpty() ? "no Content-Type" : contentType) + "'", null, "unsupported_media_type");
        }
        try (RequestBodies.Body body = jobs.body(request, STT)) {
            transcribe(request, response, task, route, contentType, body.bytes());
        }
    }

    private void transcribe(ServerRequest request, ServerResponse response, String task, String route, String contentType, byte[] body) {
        MultipartForm form;
        try {
            form = MultipartForm.parse(contentType, body);
        } catch (IllegalArgumentException e) {
            throw OpenAiError.invalid(e.getMessage(), null, "invalid_request");
        }
        MultipartForm.Part file = form.part("file").filter(p -> p.bytes().length > 0)
                .orElseThrow(() -> OpenAiError.invalid("'file' is required: the audio to transcribe", "file", "missing_required_parameter"));
        FleetModel model = jobs.model(form.text("model"), STT, route);
        String format = form.text("response_format").orElse("json").toLowerCase(Locale.ROOT);
        if (!TranscriptFormats.FORMATS.contains(format)) {
            throw OpenAiError.invalid("response_format '" + format + "' is not one of json, text, srt, verbose_json, vtt",
                    "response_format", "invalid_value");
        }
        List<String> asked = new java.util.ArrayList<>(form.texts("timestamp_granularities[]"));
        asked.addAll(form.texts("timestamp_granularities"));
        Set<String> granularities = TranscriptFormats.granularities(asked);
        if (!granularities.isEmpty() && !format.equals("verbose_json")) {
            throw OpenAiError.invalid("timestamp_granularities[] needs response_format 'verbose_json'",
                    "timestamp_granularities[]", "invalid_value");
        }
        boolean stream = form.text("stream").map(Boolean::parseBoolean).orElse(false);
        Map<String, String> parameters = new LinkedHashMap<>();
        form.text("temperature").ifPresent(t -> parameters.put("temperature", number("temperature", t, 0, 1)));
        form.text("prompt").ifPresent(p -> parameters.put("prompt", p));
        if (task.equals("translate")) {
            parameters.put("task", "translate");
        } else {
            form.text("language").ifPresent(language -> parameters.put("language", language(language)));
        }

        Instant deadline = jobs.deadline(request, STT);
        byte[] wav;
        try {
            wav = codec.decodeToWav(file.bytes(), uploadFormat(file), deadline);
        } catch (AudioCodec.CodecException e) {
            throw new OpenAiError.Failure(e.status, e.getMessage(), "file", e.status == 415 ? "unsupported_format" : "invalid_file");
        }
        Outcome.Served served = jobs.run(request, response, model, parameters, new Payload("audio/wav", wav));
        TranscriptFormats.Transcript transcript = TranscriptFormats.Transcript.of(served.result().metadata());
        if (granularities.contains("word") && transcript.words().isEmpty()) {
            throw OpenAiError.invalid("the provider that served this job (" + served.provider() + " on node " + served.node()
                    + ") gives no word timings; ask for timestamp_granularities[] 'segment'", "timestamp_granularities[]",
                    "unsupported_value");
        }
        if (stream) {
            streamTranscript(response, transcript);
            return;
        }
        switch (format) {
            case "text" -> text(response, "text/plain; charset=utf-8", transcript.text() + "\n");
            case "srt" -> text(response, "application/x-subrip; charset=utf-8", TranscriptFormats.srt(transcript));
            case "vtt" -> text(response, "text/vtt; charset=utf-8", TranscriptFormats.vtt(transcript));
            case "verbose_json" -> Json.send(response, Status.OK_200, TranscriptFormats.verbose(transcript, task, granularities));
            default -> Json.send(response, Status.OK_200, TranscriptFormats.json(transcript));
        }
    }

    /** The format an upload's name (or, without an extension, its media type) says; empty when neither does. */
    private static String uploadFormat(MultipartForm.Part file) {
        Optional<String> name = file.filename().map(n -> n.toLowerCase(Locale.ROOT));
        if (name.isPresent() && name.get().lastIndexOf('.') > 0) {
            String extension = name.get().substring(name.get().lastIndexOf('.') + 1);
            if (!AudioCodec.openAiInputs().contains(extension)) {
                throw OpenAiError.invalid("Invalid file format '" + extension + "'. Supported formats: "
                        + String.join(", ", AudioCodec.openAiInputs()), "file", "invalid_value");
            }
            return extension;
        }
        String type = file.contentType().orElse("").toLowerCase(Locale.ROOT);
        return switch (type.contains(";") ? type.substring(0, type.indexOf(';')).strip() : type) {
            case "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave" -> "wav";
            case "audio/mpeg", "audio/mp3" -> "mp3";
            case "audio/ogg", "audio/opus" -> "ogg";
            case "audio/flac", "audio/x-flac" -> "flac";
            case "audio/webm", "video/webm" -> "webm";
            case "audio/mp4", "audio/m4a", "audio/x-m4a", "video/mp4" -> "m4a";
            default -> "";
        };
    }

    /** A language the fleet takes, as sent; 400 when no node's stt provider takes it. */
    private String language(String language) {
        Set<String> offered = jobs.catalog().languages(STT);
        String primary = language.contains("-") ? language.substring(0, language.indexOf('-')) : language;
        if (!offered.isEmpty() && !offered.contains(language) && !offered.contains(primary)) {
            throw OpenAiError.invalid("language '" + language + "' is not recognised by any node; languages: "
                    + String.join(", ", offered), "language", "unsupported_language");
        }
        return offered.contains(language) || offered.isEmpty() ? language : primary;
    }

    private static void streamTranscript(ServerResponse response, TranscriptFormats.Transcript transcript) {
        response.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        response.header(HeaderNames.CACHE_CONTROL, "no-cache");
        try (OutputStream out = response.outputStream()) {
            event(out, Map.of("type", "transcript.text.delta", "delta", transcript.text()));
            Map<String, Object> done = new LinkedHashMap<>();
            done.put("type", "transcript.text.done");
            done.put("text", transcript.text());
            done.put("usage", Map.of("type", "duration", "seconds", Math.round(Math.ceil(transcript.duration()))));
            event(out, done);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void event(OutputStream out, Object data) throws IOException {
        out.write("data: ".getBytes(StandardCharsets.US_ASCII));
        out.write(Json.bytes(data));
        out.write("\n\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void text(ServerResponse response, String type, String text) {
        response.header(HeaderNames.CONTENT_TYPE, type);
        response.send(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String number(String field, String value, double min, double max) {
        double number;
        try {
            number = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw OpenAiError.invalid(field + " must be a number, not '" + value + "'", field, "invalid_type");
        }
        if (!(number >= min && number <= max)) {
            throw OpenAiError.invalid(field + " must be between " + min + " and " + max, field, "invalid_value");
        }
        return value;
    }

    // ---- speech -------------------------------------------------------------------------------------

    private static final String SPEED_RANGE = "a number from 0.25 to 4.0";

    private void speak(ServerRequest request, ServerResponse response) {
        try (RequestBodies.Body body = jobs.body(request, TTS)) {
            speak(request, response, JsonFields.of(body.bytes()));
        }
    }

    private void speak(ServerRequest request, ServerResponse response, JsonFields body) {
        String input = body.requiredText("input");
        if (input.codePointCount(0, input.length()) > MAX_SPEECH_CHARS) {
            throw OpenAiError.invalid("input is " + input.codePointCount(0, input.length()) + " characters; at most "
                    + MAX_SPEECH_CHARS + " are taken", "input", "string_above_max_length");
        }
        FleetModel model = jobs.model(body.text("model"), TTS, "/v1/audio/speech");
        String format = body.text("response_format").orElse("mp3").toLowerCase(Locale.ROOT);
        if (!AudioCodec.openAiOutputs().contains(format)) {
            throw OpenAiError.invalid("response_format '" + format + "' is not one of " + String.join(", ", AudioCodec.openAiOutputs()),
                    "response_format", "invalid_value");
        }
        if (!codec.outputFormats().contains(format)) {
            throw new OpenAiError.Failure(415, "this node cannot encode " + format + "; it encodes: "
                    + String.join(", ", codec.outputFormats()), "response_format", "unsupported_format");
        }
        String streamFormat = body.text("stream_format").orElse("audio");
        if (!streamFormat.equals("audio") && !streamFormat.equals("sse")) {
            throw OpenAiError.invalid("stream_format must be 'audio' or 'sse'", "stream_format", "invalid_value");
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("text", input);
        parameters.put("format", "wav");
        Optional<String> speed = body.number("speed", SPEED_RANGE);
        if (speed.isPresent()) {
            double value = Double.parseDouble(speed.get());
            if (!(value >= 0.25 && value <= 4)) {
                throw OpenAiError.invalid("speed must be " + SPEED_RANGE, "speed", "invalid_value");
            }
            parameters.put("speed", speed.get());
        }
        voice(body.text("voice")).ifPresent(voice -> parameters.put("voice", voice));
        Instant deadline = jobs.deadline(request, TTS);
        Outcome.Served served = jobs.run(request, response, model, parameters, Payload.empty());
        Payload wav = served.result().output().orElseThrow(() -> new OpenAiError.Failure(502,
                "the provider " + served.provider() + " answered no audio", null, "bad_provider_answer"));
        response.header(HeaderNames.CONTENT_TYPE, streamFormat.equals("sse") ? "text/event-stream" : AudioCodec.mediaType(format));
        try (OutputStream out = response.outputStream()) {
            OutputStream target = streamFormat.equals("sse") ? new SpeechEvents(out) : out;
            codec.encode(wav.bytes(), format, target, deadline);
            if (target instanceof SpeechEvents events) {
                events.done();
            }
        } catch (AudioCodec.CodecException e) {
            // the status line is gone with the first bytes: the broken stream is the signal
            throw new UncheckedIOException(new IOException("encoding speech failed: " + e.getMessage()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fleet voice for a requested one: configured mapping, a fleet voice by name, or the engine default for OpenAI's names. */
    private Optional<String> voice(Optional<String> asked) {
        if (asked.isEmpty()) {
            return Optional.empty();
        }
        String name = asked.get();
        if (voices.containsKey(name)) {
            return Optional.of(voices.get(name));
        }
        Set<String> fleet = jobs.catalog().voices(TTS);
        if (fleet.contains(name)) {
            return Optional.of(name);
        }
        if (OPENAI_VOICES.contains(name.toLowerCase(Locale.ROOT))) {
            return Optional.empty();
        }
        throw OpenAiError.invalid("voice '" + name + "' is neither an OpenAI voice nor a voice of the fleet; fleet voices: "
                + String.join(", ", fleet.stream().limit(40).toList()), "voice", "invalid_value");
    }

    /** Encoded audio as {@code speech.audio.delta} events, then {@code speech.audio.done}. */
    private static final class SpeechEvents extends OutputStream {
        private final OutputStream out;

        SpeechEvents(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (length > 0) {
                event(out, Map.of("type", "speech.audio.delta",
                        "audio", Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(bytes, offset, offset + length))));
            }
        }

        void done() throws IOException {
            event(out, Map.of("type", "speech.audio.done",
                    "usage", Map.of("input_tokens", 0, "output_tokens", 0, "total_tokens", 0)));
        }
    }
}
