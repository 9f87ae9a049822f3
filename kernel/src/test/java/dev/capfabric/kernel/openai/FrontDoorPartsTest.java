package dev.capfabric.kernel.openai;

import dev.capfabric.kernel.fabric.FabricLoad;
import dev.capfabric.kernel.fabric.FabricView;
import dev.capfabric.kernel.fabric.GlobalView;
import dev.capfabric.kernel.fabric.NodeListing;
import dev.capfabric.kernel.fabric.NodeStatus;
import dev.capfabric.kernel.node.CapabilitySummary;
import dev.capfabric.spi.Capability;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The front door's parts that need no node: the model catalogue, forms, transcript formats, the codec's refusals. */
class FrontDoorPartsTest {

    private static GlobalView.Node node(Map<String, CapabilitySummary> capabilities) {
        return new GlobalView.Node(null, capabilities, null, NodeStatus.OK, 0.0);
    }

    private static FabricView view(Map<String, GlobalView.Node> nodes, AtomicInteger reads) {
        return new FabricView() {
            @Override
            public GlobalView globalView(boolean fresh) {
                reads.incrementAndGet();
                return new GlobalView("a", nodes.size(), nodes, Map.of(), "now");
            }

            @Override
            public NodeListing nodes(boolean fresh) {
                throw new UnsupportedOperationException();
            }
        };
    }

    @Test
    void catalogListsModelsProvidersAndOnlyTheAliasesSomeNodeCanServe() {
        CapabilitySummary stt = new CapabilitySummary(List.of("pocketsphinx"), List.of("cmusphinx-en-us"), List.of("en"), List.of());
        CapabilitySummary tts = new CapabilitySummary(List.of("flite", "freetts"), List.of("freetts-1.2.2"), List.of(), List.of("slt", "kevin16"));
        AtomicInteger reads = new AtomicInteger();
        ModelCatalog catalog = new ModelCatalog(view(Map.of("a", node(Map.of("tts", tts)), "b", node(Map.of("stt", stt))), reads),
                List.of(ModelAlias.of("whisper-1", "stt"), ModelAlias.of("dall-e-2", "image"),
                        new ModelAlias("tts-1-hd", Capability.of("tts"), Optional.of("flite"), Optional.empty()),
                        new ModelAlias("tts-x", Capability.of("tts"), Optional.of("flite"), Optional.of("freetts-1.2.2")),
                        new ModelAlias("tts-gone", Capability.of("tts"), Optional.of("espeak-ng"), Optional.empty())),
                Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
        Map<String, FleetModel> models = catalog.models();
        assertEquals(List.of("whisper-1", "tts-1-hd", "tts-x", "cmusphinx-en-us", "pocketsphinx", "flite", "freetts", "freetts-1.2.2"),
                List.copyOf(models.keySet()), "no node has image or espeak-ng: their aliases are not listed");
        assertEquals(List.of("b"), models.get("whisper-1").nodes());
        assertEquals(Map.of("provider", "flite"), models.get("tts-1-hd").jobParameters());
        assertEquals(Map.of("model", "cmusphinx-en-us"), models.get("cmusphinx-en-us").jobParameters());
        assertEquals(Map.of("provider", "pocketsphinx"), models.get("pocketsphinx").jobParameters());
        assertTrue(catalog.voices(Capability.of("tts")).contains("kevin16"));
        assertEquals(1, reads.get(), "one reading of the view serves a second's requests");
    }

    @Test
    void catalogReadsTheViewAgainOnceItsReadingIsASecondOld() {
        AtomicInteger reads = new AtomicInteger();
        Instant[] now = {Instant.EPOCH};
        Clock clock = new Clock() {
            public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
            public Clock withZone(java.time.ZoneId zone) { return this; }
            public Instant instant() { return now[0]; }
        };
        ModelCatalog catalog = new ModelCatalog(view(Map.of(), reads), List.of(), clock);
        catalog.models();
        now[0] = now[0].plusMillis(999);
        catalog.models();
        assertEquals(1, reads.get());
        now[0] = now[0].plus(Duration.ofMillis(1));
        catalog.models();
        assertEquals(2, reads.get());
    }

    @Test
    void multipartFieldsFilesAndRepeatedNames() {
        String body = "--XyZ\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
                + "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a b.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF\r\n\u0000bytes\r\n"
                + "--XyZ\r\nContent-Disposition: form-data; name=\"timestamp_granularities[]\"\r\n\r\nword\r\n"
                + "--XyZ\r\nContent-Disposition: form-data; name=\"timestamp_granularities[]\"\r\n\r\nsegment\r\n--XyZ--\r\n";
        MultipartForm form = MultipartForm.parse("multipart/form-data; boundary=XyZ", body.getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(Optional.of("whisper-1"), form.text("model"));
        MultipartForm.Part file = form.part("file").orElseThrow();
        assertEquals(Optional.of("a b.wav"), file.filename());
        assertEquals(Optional.of("audio/wav"), file.contentType());
        assertEquals("RIFF\r\n\u0000bytes", new String(file.bytes(), StandardCharsets.ISO_8859_1), "binary content kept byte for byte");
        assertEquals(List.of("word", "segment"), form.texts("timestamp_granularities[]"));
    }

    @Test
    void malformedFormsAreRefusedWithTheReason() {
        byte[] part = "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--b--\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThrows(IllegalArgumentException.class, () -> MultipartForm.parse("application/json", part));
        assertThrows(IllegalArgumentException.class, () -> MultipartForm.parse("multipart/form-data", part), "no boundary");
        assertThrows(IllegalArgumentException.class, () -> MultipartForm.parse("multipart/form-data; boundary=other", part),
                "no part for its boundary");
        byte[] noName = "--b\r\nContent-Disposition: form-data\r\n\r\n1\r\n--b--\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThrows(IllegalArgumentException.class, () -> MultipartForm.parse("multipart/form-data; boundary=b", noName));
        byte[] noDisposition = "--b\r\nContent-Type: text/plain\r\n\r\n1\r\n--b--\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThrows(IllegalArgumentException.class, () -> MultipartForm.parse("multipart/form-data; boundary=b", noDisposition));
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 65; i++) {
            many.append("--b\r\nContent-Disposition: form-data; name=\"f").append(i).append("\"\r\n\r\nv\r\n");
        }
        many.append("--b--\r\n");
        assertThrows(IllegalArgumentException.class,
                () -> MultipartForm.parse("multipart/form-data; boundary=b", many.toString().getBytes(StandardCharsets.US_ASCII)));
    }

    private static JsonFields fields(String json) {
        return JsonFields.of(json.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertRefused(String param, String code, org.junit.jupiter.api.function.Executable read) {
        OpenAiError.Failure refused = assertThrows(OpenAiError.Failure.class, read);
        assertEquals(400, refused.status);
        assertEquals(param, refused.param, refused.getMessage());
        assertEquals(code, refused.code, refused.getMessage());
    }

    @Test
    void jsonFieldsGiveScalarsNestedTreesAndRefuseWrongTypesByName() {
        JsonFields body = fields("{\"prompt\":\"a fox\",\"n\":2,\"speed\":1.50,\"size\":null,\"style\":\"  \","
                + "\"document\":{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:,\"}},\"tags\":[1,{\"a\":[]}],\"model\":\"m\"}");
        assertEquals("a fox", body.requiredText("prompt"));
        assertEquals(Optional.of("2"), body.number("n", "a count"));
        assertEquals(Optional.of("1.50"), body.number("speed", "a speed"), "as written");
        assertFalse(body.has("size"), "null is absent");
        assertEquals(Optional.empty(), body.text("size"));
        assertEquals(Optional.empty(), body.text("style"), "blank is absent");
        assertEquals("data:,", body.tree("document").orElseThrow().at("/image_url/url").asText());
        assertEquals(2, body.tree("tags").orElseThrow().size());
        assertEquals(Optional.of("m"), body.text("model"), "a field after nested values is read");
        assertEquals(Optional.empty(), body.tree("prompt"), "a scalar is no tree");

        assertRefused("prompt", "invalid_type", () -> fields("{\"prompt\":5}").text("prompt"));
        assertRefused("prompt", "invalid_type", () -> fields("{\"prompt\":[\"a\"]}").text("prompt"));
        assertRefused("prompt", "invalid_type", () -> fields("{\"prompt\":true}").requiredText("prompt"));
        assertRefused("prompt", "missing_required_parameter", () -> fields("{\"prompt\":\" \"}").requiredText("prompt"));
        assertRefused("prompt", "missing_required_parameter", () -> fields("{}").requiredText("prompt"));
        assertRefused("n", "invalid_value", () -> fields("{\"n\":\"2\"}").number("n", "a count"));
        assertRefused("n", "invalid_value", () -> fields("{\"n\":{}}").number("n", "a count"));
        for (String notAnObject : List.of("", "[]", "\"x\"", "{\"a\":1} {}", "{\"a\":", "{\"a\" 1}", "nul")) {
            assertRefused(null, "invalid_json", () -> fields(notAnObject));
        }
    }

    @Test
    void imagesAnswerIsOpenAisShapeWithStandardBase64AndEscapedText() throws Exception {
        byte[] png = new byte[300];
        for (int i = 0; i < png.length; i++) {
            png[i] = (byte) (i * 37);
        }
        String prompt = "a \"fox\" \\ on\nsnow, \u00e9t\u00e9 \ud83e\udd8a";
        byte[] json = new ImagesService.Answer(1_700_000_000L, List.of(new ImagesService.Image(null, png, prompt),
                new ImagesService.Image("http://n:1/v1/images/files/ab.png", null, prompt))).json();
        com.fasterxml.jackson.databind.JsonNode answer = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        assertEquals(1_700_000_000L, answer.get("created").asLong());
        assertEquals(2, answer.get("data").size());
        assertEquals(java.util.Base64.getEncoder().encodeToString(png), answer.at("/data/0/b64_json").asText(), "standard, unbroken base64");
        assertEquals(prompt, answer.at("/data/0/revised_prompt").asText());
        assertFalse(answer.get("data").get(0).has("url"));
        assertEquals("http://n:1/v1/images/files/ab.png", answer.at("/data/1/url").asText());
        assertFalse(answer.get("data").get(1).has("b64_json"));
        assertEquals(java.util.Set.of("created", "data"), fieldNames(answer));
    }

    @Test
    void imagesAnswerQuotesControlCharactersAndNonAsciiAsJacksonDoes() throws Exception {
        StringBuilder prompt = new StringBuilder("été 日本語 \u2028 \u007f \"\\ ");
        for (char c = 0; c < 0x20; c++) {
            prompt.append(c);
        }
        byte[] json = new ImagesService.Answer(7L, List.of(new ImagesService.Image("http://n:1/x.png", null, prompt.toString()))).json();
        String quoted = new String(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(prompt.toString()),
                java.nio.charset.StandardCharsets.UTF_8);
        assertEquals("{\"created\":7,\"data\":[{\"url\":\"http://n:1/x.png\",\"revised_prompt\":" + quoted + "}]}",
                new String(json, java.nio.charset.StandardCharsets.UTF_8));
    }

    private static java.util.Set<String> fieldNames(com.fasterxml.jackson.databind.JsonNode node) {
        java.util.Set<String> names = new java.util.HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void timedFormatsHoldOneSegmentSpanningTheAudio() {
        TranscriptFormats.Transcript transcript = TranscriptFormats.Transcript.of(Map.of("text", " hello world ", "language", "en",
                "duration_s", 3723.5));
        assertEquals("1\n00:00:00,000 --> 01:02:03,500\nhello world\n\n",
                TranscriptFormats.srt(transcript));
        assertEquals("WEBVTT\n\n00:00:00.000 --> 01:02:03.500\nhello world\n\n", TranscriptFormats.vtt(transcript));
        Map<String, Object> verbose = TranscriptFormats.verbose(transcript, "transcribe", java.util.Set.of());
        assertEquals("english", verbose.get("language"));
        assertEquals(1, ((List<?>) verbose.get("segments")).size());
        assertFalse(verbose.containsKey("words"));
        assertThrows(OpenAiError.Failure.class, () -> TranscriptFormats.granularities(List.of("word", "sentence")));
        assertEquals(java.util.Set.of("word", "segment"), TranscriptFormats.granularities(List.of("word,segment")));
    }

    @Test
    void aNodeWithoutFfmpegTakesAndGivesWavOnlyAndSaysWhatItCan() throws Exception {
        AudioCodec codec = new AudioCodec(Path.of("/nonexistent/ffmpeg"), 60);
        assertEquals(java.util.Set.of("wav"), codec.inputFormats());
        assertEquals(java.util.Set.of("wav"), codec.outputFormats());
        byte[] wav = AudioCodec.wav(new byte[3200], 16_000);
        Instant deadline = Instant.now().plusSeconds(10);
        assertEquals(wav, codec.decodeToWav(wav, "wav", deadline), "WAV passes through");
        for (String format : List.of("mp3", "ogg", "m4a", "flac", "webm")) {
            AudioCodec.CodecException refused = assertThrows(AudioCodec.CodecException.class,
                    () -> codec.decodeToWav(new byte[100], format, deadline));
            assertEquals(415, refused.status);
            assertTrue(refused.getMessage().contains("it decodes: wav"), refused.getMessage());
        }
        AudioCodec.CodecException encode = assertThrows(AudioCodec.CodecException.class,
                () -> codec.encode(wav, "mp3", java.io.OutputStream.nullOutputStream(), deadline));
        assertEquals(415, encode.status);
    }
}
