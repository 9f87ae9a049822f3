package dev.capfabric.plugin.image;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityException.Kind;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Health;
import dev.capfabric.spi.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.awt.Color;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.capfabric.plugin.image.A1111Backend.SD_MODELS;
import static dev.capfabric.plugin.image.A1111Backend.TXT2IMG;
import static dev.capfabric.plugin.image.FakeBackend.JSON;
import static dev.capfabric.plugin.image.FakeBackend.json;
import static dev.capfabric.plugin.image.TestSupport.failure;
import static dev.capfabric.plugin.image.TestSupport.job;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The a1111 provider against a fake server that speaks the AUTOMATIC1111 web UI API. */
class A1111ProviderTest {

    private static final String CHECKPOINTS = """
            [{"title": "v1-5-pruned-emaonly.safetensors [6ce0161689]", "model_name": "v1-5-pruned-emaonly",
              "hash": "6ce0161689", "sha256": "6ce0161689b3853acaa03779ec93eafe75a02f4ced659bee03f50797806fa2fa",
              "filename": "/models/Stable-diffusion/v1-5-pruned-emaonly.safetensors", "config": null},
             {"title": "sd_xl_base_1.0.safetensors [31e35c80fc]", "model_name": "sd_xl_base_1.0",
              "hash": "31e35c80fc", "sha256": null, "filename": "/models/Stable-diffusion/sd_xl_base_1.0.safetensors",
              "config": null}]""";
    private static final byte[] FIRST = FakeBackend.png(512, 384, Color.ORANGE);
    private static final byte[] SECOND = FakeBackend.png(512, 384, Color.CYAN);
    private static final Duration HANG_GUARD = Duration.ofSeconds(15);

    private final A1111Factory factory = new A1111Factory();
    private final List<AutoCloseable> opened = new ArrayList<>();
    private FakeBackend backend;

    @BeforeEach
    void startBackend() {
        backend = open(FakeBackend.start()).on("GET", SD_MODELS, json(200, CHECKPOINTS));
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : opened.reversed()) {
            closeable.close();
        }
    }

    private <T extends AutoCloseable> T open(T closeable) {
        opened.add(closeable);
        return closeable;
    }

    private CapabilityProvider provider(String... extraConfig) {
        Map<String, String> config = new HashMap<>(Map.of("base-url", backend.url()));
        for (int i = 0; i < extraConfig.length; i += 2) {
            config.put(extraConfig[i], extraConfig[i + 1]);
        }
        return open(TestSupport.ready(factory, config));
    }

    /** An answer shaped as txt2img's: images, the parameters echoed, and "info" as a JSON document in a string. */
    private static String txt2imgAnswer(List<Long> seeds, byte[]... pngs) {
        ObjectNode answer = JSON.createObjectNode();
        ArrayNode images = answer.putArray("images");
        for (byte[] png : pngs) {
            images.add(Base64.getEncoder().encodeToString(png));
        }
        answer.putObject("parameters").put("prompt", "echoed");
        ObjectNode info = JSON.createObjectNode().put("prompt", "echoed").put("seed", seeds.getFirst())
                .put("sd_model_name", "v1-5-pruned-emaonly").put("width", 512).put("height", 384);
        ArrayNode allSeeds = info.putArray("all_seeds");
        seeds.forEach(allSeeds::add);
        answer.put("info", info.toString());
        return answer.toString();
    }

    // --- configuration and health ---

    @Test
    void withoutBaseUrlTheProviderIsUnusableAndSaysWhatToSet() {
        assertEquals("no backend configured: set capfabric.providers.a1111.base-url",
                TestSupport.unusableReason(factory, Map.of()));
    }

    @Test
    void apiAuthWithoutPasswordIsInvalidConfiguration() {
        String reason = TestSupport.unusableReason(factory, Map.of("base-url", backend.url(), "api-auth", "admin"));

        assertEquals("invalid configuration: capfabric.providers.a1111.api-auth must be USER:PASSWORD, "
                + "as given to the server's --api-auth", reason);
    }

    @Test
    void checkpointsAreAdvertisedByModelName() {
        CapabilityProvider provider = provider();

        Health health = provider.health();

        assertTrue(health.usable(), health.detail());
        assertEquals(List.of("v1-5-pruned-emaonly", "sd_xl_base_1.0"), provider.describe().models());
        assertEquals("a1111", provider.describe().extra().get("api"));
        assertNull(backend.received("GET", SD_MODELS).getFirst().header("Authorization"));
    }

    @Test
    void apiAuthIsSentAsBasicAuth() {
        provider("api-auth", "admin:s3cret").health();

        assertEquals("Basic " + Base64.getEncoder().encodeToString("admin:s3cret".getBytes(StandardCharsets.UTF_8)),
                backend.received("GET", SD_MODELS).getFirst().header("Authorization"));
    }

    @Test
    void serverWithoutTheApiEnabledIsDownWithAHint() {
        backend.on("GET", SD_MODELS, json(404, "{\"detail\": \"Not Found\"}"));

        Health health = provider().health();

        assertFalse(health.usable());
        assertEquals("backend answered 404 to GET /sdapi/v1/sd-models: Not Found (is the server started with --api?)",
                health.detail());
    }

    @Test
    void serverThatIsNotA1111CompatibleIsDown() {
        backend.on("GET", SD_MODELS, json(200, "{\"object\": \"list\", \"data\": []}"));

        Health health = provider().health();

        assertFalse(health.usable());
        assertEquals("GET /sdapi/v1/sd-models answered without a list of checkpoints: "
                + "the backend does not look like an AUTOMATIC1111-compatible server", health.detail());
    }

    @Test
    void rejectedCredentialsMakeTheProviderDown() {
        backend.on("GET", SD_MODELS, json(401, "{\"detail\": \"Incorrect username or password\"}"));

        Health health = provider("api-auth", "admin:wrong").health();

        assertFalse(health.usable());
        assertEquals("backend answered 401 to GET /sdapi/v1/sd-models: Incorrect username or password", health.detail());
    }

    @Test
    void deadServerIsDownAndAdvertisesNoModels() {
        CapabilityProvider provider = open(TestSupport.ready(factory, Map.of("base-url", FakeBackend.deadUrl())));

        assertEquals("GET /sdapi/v1/sd-models: the backend refused the connection (is it running?)",
                provider.health().detail());
        assertEquals(List.of(), provider.describe().models());
    }

    // --- generation ---

    @Test
    void sendsEveryParameterAndReportsTheSeedAndModelTheServerUsed() throws CapabilityException {
        backend.on("POST", TXT2IMG, json(200, txt2imgAnswer(List.of(1234L), FIRST)));

        Result result = provider().handle(job(Map.of("prompt", "an orange square", "size", "512x384", "steps", "25",
                "seed", "1234", "model", "v1-5-pruned-emaonly")));

        assertArrayEquals(FIRST, result.output().orElseThrow().bytes());
        assertEquals("image/png", result.output().orElseThrow().mediaType());
        assertEquals(Map.of("provider", "a1111", "model", "v1-5-pruned-emaonly", "seed", 1234L, "width", 512, "height", 384),
                result.metadata());
        ObjectNode expected = JSON.createObjectNode().put("prompt", "an orange square").put("width", 512).put("height", 384)
                .put("steps", 25).put("seed", 1234).put("batch_size", 1);
        expected.putObject("override_settings").put("sd_model_checkpoint", "v1-5-pruned-emaonly");
        assertEquals(expected, backend.only("POST", TXT2IMG).json());
    }

    @Test
    void withoutSeedTheServerPicksOneAndTheResultSaysWhich() throws CapabilityException {
        backend.on("POST", TXT2IMG, json(200, txt2imgAnswer(List.of(3_141_592_653L), FIRST)));

        Result result = provider().handle(job(Map.of("prompt", "an orange square")));

        assertEquals(3_141_592_653L, result.metadata().get("seed"));
        assertEquals(JSON.createObjectNode().put("prompt", "an orange square").put("seed", -1).put("batch_size", 1),
                backend.only("POST", TXT2IMG).json());
    }

    @Test
    void configuredDefaultModelIsSelectedWhenTheJobNamesNone() throws CapabilityException {
        backend.on("POST", TXT2IMG, json(200, txt2imgAnswer(List.of(7L), FIRST)));

        provider("model", "sd_xl_base_1.0").handle(job(Map.of("prompt", "an orange square")));

        assertEquals("sd_xl_base_1.0",
                backend.only("POST", TXT2IMG).json().path("override_settings").path("sd_model_checkpoint").asText());
    }

    @Test
    void batchComesBackAsJsonWithEachImagesSeed() throws CapabilityException {
        backend.on("POST", TXT2IMG, json(200, txt2imgAnswer(List.of(100L, 101L), FIRST, SECOND)));

        Result result = provider().handle(job(Map.of("prompt", "two squares", "n", "2", "seed", "100")));

        assertTrue(result.output().isEmpty());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> images = (List<Map<String, Object>>) result.metadata().get("images");
        assertEquals(List.of(100L, 101L), images.stream().map(image -> image.get("seed")).toList());
        assertArrayEquals(SECOND, Base64.getDecoder().decode((String) images.get(1).get("b64_png")));
        assertEquals("v1-5-pruned-emaonly", result.metadata().get("model"));
        assertEquals(2, backend.only("POST", TXT2IMG).json().get("batch_size").asInt());
    }

    @Test
    void imagesAsDataUrlsAreAccepted() throws CapabilityException {
        String answer = "{\"images\": [\"data:image/png;base64," + Base64.getEncoder().encodeToString(FIRST) + "\"], \"info\": \"\"}";
        backend.on("POST", TXT2IMG, json(200, answer));

        Result result = provider().handle(job(Map.of("prompt", "an orange square")));

        assertArrayEquals(FIRST, result.output().orElseThrow().bytes());
        assertFalse(result.metadata().containsKey("seed"), "the server said no seed");
    }

    @Test
    void sizeThatIsNotAMultipleOf8IsRefusedBeforeTheServerIsAsked() {
        CapabilityException failure = failure(provider(), job(Map.of("prompt", "fox", "size", "500x500")), Kind.BAD_INPUT);

        assertEquals("size 500x500: width and height must be multiples of 8 for this backend", failure.getMessage());
        assertEquals(List.of(), backend.received("POST", TXT2IMG));
    }

    @Test
    void stepsAboveTheConfiguredMaximumAreRefused() {
        CapabilityException failure = failure(provider("max-steps", "40"), job(Map.of("prompt", "fox", "steps", "41")),
                Kind.BAD_INPUT);

        assertEquals("steps must be a whole number from 1 to 40; got 41", failure.getMessage());
    }

    @Test
    void checkpointTheServerDoesNotHaveIsUnprocessable() {
        CapabilityException failure = failure(provider(), job(Map.of("prompt", "fox", "model", "flux-dev")), Kind.UNPROCESSABLE);

        assertEquals("model 'flux-dev' is not offered by this backend; it offers v1-5-pruned-emaonly, sd_xl_base_1.0",
                failure.getMessage());
    }

    // --- server errors, in the shapes FastAPI and the web UI's own handler write ---

    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            422 | {"detail": [{"loc": ["body", "steps"], "msg": "value is not a valid integer", "type": "type_error.integer"}, {"loc": ["body", "width"], "msg": "field required", "type": "value_error.missing"}]} | UNPROCESSABLE | steps: value is not a valid integer; width: field required
            404 | {"error": "HTTPException", "detail": "Sampler not found", "body": "", "errors": ""} | UNPROCESSABLE | HTTPException: Sampler not found
            400 | {"detail": "Invalid encoded image"} | BAD_INPUT | Invalid encoded image
            500 | {"error": "OutOfMemoryError", "detail": "", "body": "", "errors": "CUDA out of memory. Tried to allocate 2.00 GiB"} | UNAVAILABLE | OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB
            503 | Service Unavailable | UNAVAILABLE | Service Unavailable
            """)
    void errorAnswerKeepsTheServersMessageAndSaysWhoseFaultItIs(int status, String body, Kind kind, String message) {
        backend.on("POST", TXT2IMG, json(status, body));
        CapabilityProvider provider = provider();

        CapabilityException failure = failure(provider, job(Map.of("prompt", "fox")), kind);

        assertEquals("backend answered " + status + " to POST /sdapi/v1/txt2img: " + message, failure.getMessage());
        assertTrue(provider.health().usable(), "the server still lists its checkpoints, so the provider stays up");
    }

    @Test
    void answerWithoutImagesMakesTheJobUnavailable() {
        backend.on("POST", TXT2IMG, json(200, "{\"images\": null, \"info\": \"{}\"}"));

        CapabilityException failure = failure(provider(), job(Map.of("prompt", "fox")), Kind.UNAVAILABLE);

        assertEquals("POST /sdapi/v1/txt2img answered without an \"images\" list", failure.getMessage());
    }

    @Test
    void garbageInsteadOfAPngMakesTheJobUnavailable() {
        String garbage = Base64.getEncoder().encodeToString("<!DOCTYPE html><html>".getBytes(StandardCharsets.UTF_8));
        backend.on("POST", TXT2IMG, json(200, "{\"images\": [\"" + garbage + "\"], \"info\": \"{}\"}"));

        CapabilityException failure = failure(provider(), job(Map.of("prompt", "fox")), Kind.UNAVAILABLE);

        assertTrue(failure.getMessage().startsWith("image 1 from the backend is not a PNG image (21 bytes"), failure.getMessage());
    }

    @Test
    void slowServerTimesOutAtTheJobsDeadline() {
        backend.on("POST", TXT2IMG, backend.hang());
        CapabilityProvider provider = provider();

        CapabilityException failure = assertTimeoutPreemptively(HANG_GUARD,
                () -> failure(provider, job(Map.of("prompt", "fox"), Duration.ofMillis(400), () -> false), Kind.TIMEOUT));

        assertEquals("POST /sdapi/v1/txt2img got no complete answer from the backend within the job's deadline",
                failure.getMessage());
    }

    @Test
    void serverThatDiesMakesJobsUnavailable() {
        CapabilityProvider provider = provider();
        backend.close();

        CapabilityException failure = failure(provider, job(Map.of("prompt", "fox")), Kind.UNAVAILABLE);

        assertEquals("POST /sdapi/v1/txt2img: the backend refused the connection (is it running?)", failure.getMessage());
    }

    @Test
    void connectionClosedMidAnswerMakesTheJobUnavailable() {
        backend.on("POST", TXT2IMG, FakeBackend.closeMidResponse());

        CapabilityException failure = failure(provider(), job(Map.of("prompt", "fox")), Kind.UNAVAILABLE);

        assertTrue(failure.getMessage().startsWith("POST /sdapi/v1/txt2img: the connection to the backend failed: "),
                failure.getMessage());
    }
}
