package dev.capfabric.plugin.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityException.Kind;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
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
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.capfabric.plugin.image.FakeBackend.JSON;
import static dev.capfabric.plugin.image.FakeBackend.json;
import static dev.capfabric.plugin.image.OpenAiImagesBackend.GENERATIONS;
import static dev.capfabric.plugin.image.OpenAiImagesBackend.MODELS;
import static dev.capfabric.plugin.image.TestSupport.failure;
import static dev.capfabric.plugin.image.TestSupport.job;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The openai-images provider against a fake server that speaks the OpenAI images API, as LocalAI does. */
class OpenAiImagesProviderTest {

    private static final String MODEL_LIST = """
            {"object": "list", "data": [
              {"id": "stablediffusion", "object": "model", "owned_by": "localai"},
              {"id": "dall-e-2", "object": "model", "owned_by": "system"}]}""";
    private static final byte[] RED = FakeBackend.png(256, 256, Color.RED);
    private static final byte[] GREEN = FakeBackend.png(256, 128, Color.GREEN);
    // a generous guard so that a broken deadline fails the test instead of hanging the build
    private static final Duration HANG_GUARD = Duration.ofSeconds(15);

    private final OpenAiImagesFactory factory = new OpenAiImagesFactory();
    private final List<AutoCloseable> opened = new ArrayList<>();
    private FakeBackend backend;

    @BeforeEach
    void startBackend() {
        backend = open(FakeBackend.start()).on("GET", MODELS, json(200, MODEL_LIST));
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
        Map<String, String> config = new HashMap<>(Map.of("base-url", backend.url(), "api-key", "sk-test"));
        for (int i = 0; i < extraConfig.length; i += 2) {
            config.put(extraConfig[i], extraConfig[i + 1]);
        }
        return open(TestSupport.ready(factory, config));
    }

    private static String imagesAnswer(byte[]... pngs) {
        ArrayNode data = JSON.createArrayNode();
        for (byte[] png : pngs) {
            data.addObject().put("b64_json", Base64.getEncoder().encodeToString(png));
        }
        ObjectNode answer = JSON.createObjectNode().put("created", 1_700_000_000);
        answer.set("data", data);
        return answer.toString();
    }

    // --- configuration and health ---

    @Test
    void withoutBaseUrlTheProviderIsUnusableAndSaysWhatToSet() {
        assertEquals("no backend configured: set capfabric.providers.openai-images.base-url",
                TestSupport.unusableReason(factory, Map.of("api-key", "sk-test")));
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', textBlock = """
            base-url           | ftp://gpu-1/            | capfabric.providers.openai-images.base-url must be an http or https URL
            base-url           | http://gpu 1:8080       | capfabric.providers.openai-images.base-url is not a valid URL
            timeout-ms         | soon                    | capfabric.providers.openai-images.timeout-ms must be a positive whole number; got 'soon'
            max-n              | 0                       | capfabric.providers.openai-images.max-n must be a positive whole number; got '0'
            max-size           | huge                    | capfabric.providers.openai-images.max-size must be WIDTHxHEIGHT
            max-size           | 32x32                   | capfabric.providers.openai-images.max-size 32x32 is below the minimum 64x64
            response-format    | xml                     | capfabric.providers.openai-images.response-format must be b64_json, url or none; got 'xml'
            """)
    void invalidConfigurationMakesTheProviderUnusableWithTheKeyNamed(String key, String value, String reason) {
        Map<String, String> config = new HashMap<>(Map.of("base-url", backend.url()));
        config.put(key, value);

        String unusable = TestSupport.unusableReason(factory, config);

        assertTrue(unusable.startsWith("invalid configuration: " + reason), unusable);
    }

    @Test
    void healthyBackendIsProbedWithTheApiKeyAndItsModelsAreAdvertised() {
        CapabilityProvider provider = provider();

        Health health = provider.health();

        assertTrue(health.usable(), health.detail());
        assertEquals("the backend offers 2 models", health.detail());
        assertEquals(List.of("stablediffusion", "dall-e-2"), provider.describe().models());
        assertEquals("Bearer sk-test", backend.received("GET", MODELS).getFirst().header("Authorization"));
        assertEquals("openai-images", provider.describe().extra().get("api"));
        assertEquals(List.of("image/png", "application/json"), provider.describe().produces());
    }

    @Test
    void baseUrlWrittenTheOpenAiWayWithV1Works() {
        CapabilityProvider provider = provider("base-url", backend.url() + "/v1/");

        assertTrue(provider.health().usable(), provider.health().detail());
    }

    @Test
    void refusedConnectionMakesTheProviderDownAndAdvertiseNoModels() {
        CapabilityProvider provider = open(TestSupport.ready(factory, Map.of("base-url", FakeBackend.deadUrl())));

        Health health = provider.health();

        assertFalse(health.usable());
        assertEquals("GET /v1/models: the backend refused the connection (is it running?)", health.detail());
        assertEquals(List.of(), provider.describe().models());
    }

    @Test
    void probeThatHangsEndsAtTheProbeTimeout() {
        backend.on("GET", MODELS, backend.hang());
        CapabilityProvider provider = provider("probe-timeout-ms", "300");

        Health health = assertTimeoutPreemptively(HANG_GUARD, provider::health);

        assertFalse(health.usable());
        assertEquals("GET /v1/models got no complete answer from the backend within probe-timeout-ms (300 ms)",
                health.detail());
    }

    @Test
    void serverThatIsNotOpenAiCompatibleIsDown() {
        backend.on("GET", MODELS, FakeBackend.bytes(200, "text/html", "<html>router login</html>".getBytes(StandardCharsets.UTF_8)));
        CapabilityProvider provider = provider();
        assertEquals("backend answered 200 to GET /v1/models with a body that is not JSON (text/html, 25 bytes)",
                provider.health().detail());

        backend.on("GET", MODELS, json(200, "{\"models\": []}"));
        assertEquals("GET /v1/models answered without a \"data\" list: the backend does not look like an OpenAI-compatible server",
                provider.health().detail());
        assertFalse(provider.health().usable());
    }

    @Test
    void rejectedApiKeyMakesTheProviderDownWithTheBackendsMessage() {
        backend.on("GET", MODELS, json(401, """
                {"error": {"message": "Incorrect API key provided: sk-test.", "type": "invalid_request_error",
                           "param": null, "code": "invalid_api_key"}}"""));

        Health health = provider().health();

        assertFalse(health.usable());
        assertEquals("backend answered 401 to GET /v1/models: Incorrect API key provided: sk-test. (invalid_request_error)",
                health.detail());
    }

    @Test
    void backendWithoutModelsIsDown() {
        backend.on("GET", MODELS, json(200, "{\"object\": \"list\", \"data\": []}"));

        Health health = provider().health();

        assertFalse(health.usable());
        assertEquals("the backend offers no models", health.detail());
    }

    @Test
    void configuredDefaultModelTheBackendLacksMakesTheProviderDown() {
        Health health = provider("model", "dall-e-3").health();

        assertFalse(health.usable());
        assertEquals("the backend does not offer the configured model 'dall-e-3'; it offers stablediffusion, dall-e-2",
                health.detail());
    }

    @Test
    void backendThatComesBackIsUsableAgainAtTheNextProbeAndEachChangeIsLoggedOnce() {
        backend.on("GET", MODELS, json(503, "{\"error\": {\"message\": \"loading model\", \"type\": \"server_error\"}}"));
        TestSupport.Context context = new TestSupport.Context(Map.of("base-url", backend.url()));
        CapabilityProvider provider = open(assertInstanceOf(Creation.Ready.class, factory.create(context)).provider());
        assertFalse(provider.health().usable());
        assertEquals(List.of(), provider.describe().models());

        backend.on("GET", MODELS, json(200, MODEL_LIST));
        assertTrue(provider.health().usable());
        assertTrue(provider.health().usable());

        assertEquals(2, provider.describe().models().size());
        assertEquals(List.of("INFO openai-images backend " + backend.url() + " is up: the backend offers 2 models"),
                context.logger().lines.stream().filter(line -> line.startsWith("INFO")).toList());
        // created down ("not probed yet" is down too), so the first probe changed nothing worth a warning
        assertEquals(List.of(), context.logger().lines.stream().filter(line -> line.startsWith("WARNING")).toList());
    }

    // --- generation ---

    @Test
    void generatesAPngFromAB64JsonAnswer() throws CapabilityException {
        backend.on("POST", GENERATIONS, json(200, imagesAnswer(RED)));
        CapabilityProvider provider = provider("model", "stablediffusion");

        Result result = provider.handle(job(Map.of("prompt", "a red square", "size", "256x256")));

        assertEquals("image/png", result.output().orElseThrow().mediaType());
        assertArrayEquals(RED, result.output().orElseThrow().bytes());
        assertEquals(Map.of("provider", "openai-images", "model", "stablediffusion", "width", 256, "height", 256),
                result.metadata());
        FakeBackend.Received request = backend.only("POST", GENERATIONS);
        assertEquals("Bearer sk-test", request.header("Authorization"));
        assertEquals("application/json", request.header("Content-Type"));
        assertEquals(JSON.createObjectNode().put("model", "stablediffusion").put("prompt", "a red square").put("n", 1)
                .put("size", "256x256").put("response_format", "b64_json"), request.json());
    }

    @Test
    void modelNamedByTheJobWinsOverTheDefaultAndAbsentOptionsAreLeftOut() throws CapabilityException {
        backend.on("POST", GENERATIONS, json(200, imagesAnswer(RED)));
        CapabilityProvider provider = provider("model", "stablediffusion", "response-format", "none");

        provider.handle(job(Map.of("prompt", "a red square", "model", "dall-e-2")));

        assertEquals(JSON.createObjectNode().put("model", "dall-e-2").put("prompt", "a red square").put("n", 1),
                backend.only("POST", GENERATIONS).json());
    }

    @Test
    void severalImagesComeBackAsJsonWithBase64Pngs() throws CapabilityException {
        backend.on("POST", GENERATIONS, json(200, imagesAnswer(RED, GREEN)));

        Result result = provider().handle(job(Map.of("prompt", "two squares", "n", "2")));

        assertTrue(result.output().isEmpty());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> images = (List<Map<String, Object>>) result.metadata().get("images");
        assertEquals(2, images.size());
        assertArrayEquals(RED, Base64.getDecoder().decode((String) images.get(0).get("b64_png")));
        assertArrayEquals(GREEN, Base64.getDecoder().decode((String) images.get(1).get("b64_png")));
        assertEquals(128, images.get(1).get("height"));
        assertEquals("openai-images", result.metadata().get("provider"));
        assertFalse(result.metadata().containsKey("model"), "no model was named, and the API does not say");
        assertEquals(2, backend.only("POST", GENERATIONS).json().get("n").asInt());
    }

    @Test
    void urlAnswerIsDownloadedFromTheBackendWithItsApiKey() throws CapabilityException {
        backend.on("GET", "/generated-images/b641.png", FakeBackend.bytes(200, "image/png", RED))
                .on("POST", GENERATIONS, json(200, "{\"created\": 1, \"data\": [{\"url\": \"" + backend.url()
                        + "/generated-images/b641.png\"}]}"));

        Result result = provider("response-format", "url").handle(job(Map.of("prompt", "a red square")));

        assertArrayEquals(RED, result.output().orElseThrow().bytes());
        assertEquals("url", backend.only("POST", GENERATIONS).json().get("response_format").asText());
        assertEquals("Bearer sk-test", backend.only("GET", "/generated-images/b641.png").header("Authorization"));
    }

    @Test
    void urlOnAnotherHostIsDownloadedWithoutTheApiKey() throws CapabilityException {
        FakeBackend storage = open(FakeBackend.start()).on("GET", "/img-abc.png", FakeBackend.bytes(200, "image/png", GREEN));
        backend.on("POST", GENERATIONS, json(200, "{\"created\": 1, \"data\": [{\"url\": \"" + storage.url()
                + "/img-abc.png?st=2024&sig=secret\"}]}"));

        Result result = provider("response-format", "url").handle(job(Map.of("prompt", "a green square")));

        assertArrayEquals(GREEN, result.output().orElseThrow().bytes());
        assertNull(storage.only("GET", "/img-abc.png").header("Authorization"));
    }

    @Test
    void urlThatFailsMakesTheJobUnavailableWithoutLeakingItsQuery() {
        backend.on("POST", GENERATIONS, json(200, "{\"data\": [{\"url\": \"" + backend.url() + "/gone.png?sig=secret\"}]}"));

        CapabilityException failure = failure(provider(), job(Map.of("prompt", "fox")), Kind.UNAVAILABLE);

        assertEquals("backend answered 404 to GET " + backend.url() + "/gone.png: {\"detail\":\"Not Found\"}", failure.getMessage());
    }

    // --- backend errors ---

    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            400 | {"error": {"message": "Invalid size. Supported: 256x256, 512x512, 1024x1024.", "type": "invalid_request_error", "param": "size", "code": null}} | BAD_INPUT     | Invalid size. Supported: 256x256, 512x512, 1024x1024. (invalid_request_error)
            400 | {"error": {"message": "Your request was rejected by our safety system.", "type": "image_generation_user_error", "code": "content_policy_violation"}} | BAD_INPUT | Your request was rejected by our safety system. (image_generation_user_error)
            404 | {"error": {"message": "The model `dall-e-9` does not exist.", "type": "invalid_request_error", "code": "model_not_found"}} | UNPROCESSABLE | The model `dall-e-9` does not exist. (invalid_request_error)
            429 | {"error": {"message": "Rate limit exceeded for images per minute.", "type": "requests", "code": "rate_limit_exceeded"}} | UNAVAILABLE | Rate limit exceeded for images per minute. (requests)
            401 | {"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error", "code": "invalid_api_key"}} | UNAVAILABLE | Incorrect API key provided. (invalid_request_error)
            500 | {"error": {"code": 500, "message": "could not load model: rpc error", "type": ""}} | UNAVAILABLE | could not load model: rpc error
            502 | <html><body><h1>502 Bad Gateway</h1></body></html> | UNAVAILABLE | <html><body><h1>502 Bad Gateway</h1></body></html>
            """)
    void errorAnswerKeepsTheBackendsMessageAndSaysWhoseFaultItIs(int status, String body, Kind kind, String message) {
        backend.on("POST", GENERATIONS, json(status, body));
        CapabilityProvider provider = provider();

        CapabilityException failure = failure(provider, job(Map.of("prompt", "fox")), kind);

        assertEquals("backend answered " + status + " to POST /v1/images/generations: " + message, failure.getMessage());
        assertTrue(provider.health().usable(), "the backend still lists its models, so the provider stays up");
    }

    @Test
    void answerThatIsNotJsonMakesTheJobUnavailable() {
        backend.on("POST", GENERATIONS, FakeBackend.bytes(200, "text/plain", "OK".getBytes(StandardCharsets.UTF_8)));

        CapabilityException failure = failure(provider(), job(Map.of("prompt", "fox")), Kind.UNAVAILABLE);

        assertEquals("backend answered 200 to POST /v1/images/generations with a body that is not JSON (text/plain, 2 bytes)",
                failure.getMessage());
    }

    @Test
    void imageThatIsNotAPngMakesTheJobUnavailable() {
        String notPng = Base64.getEncoder().encodeToString("GIF89a and then some".getBytes(StandardCharsets.UTF_8));
        backend.on("POST", GENERATIONS, json(200, "{\"data\": [{\"b64_json\": \"" + notPng + "\"}]}"));

        CapabilityException failure = failure(provider(), job(Map.of("prompt", "fox")), Kind.UNAVAILABLE);

        assertTrue(failure.getMessage().startsWith("image 1 from the backend is not a PNG image (20 bytes, starting 4749"),
                failure.getMessage());
    }

    @Test
    void truncatedPngMakesTheJobUnavailable() {
        backend.on("POST", GENERATIONS, json(200, imagesAnswer(Arrays.copyOf(RED, RED.length / 2))));

        CapabilityException failure = failure(provider(), job(Map.of("prompt", "fox")), Kind.UNAVAILABLE);

        assertTrue(failure.getMessage().startsWith("image 1 from the backend is a truncated PNG image"), failure.getMessage());
    }

    @Test
    void answerWithoutImagesMakesTheJobUnavailable() {
        backend.on("POST", GENERATIONS, json(200, "{\"data\": [{\"revised_prompt\": \"fox\"}]}"));
        CapabilityProvider provider = provider();
        assertEquals("image 1 from the backend has neither \"b64_json\" nor \"url\"",
                failure(provider, job(Map.of("prompt", "fox")), Kind.UNAVAILABLE).getMessage());

        backend.on("POST", GENERATIONS, json(200, "{\"created\": 1}"));
        assertEquals("POST /v1/images/generations answered without a \"data\" list of images",
                failure(provider, job(Map.of("prompt", "fox")), Kind.UNAVAILABLE).getMessage());
    }

    @Test
    void fewerImagesThanAskedForMakesTheJobUnavailable() {
        backend.on("POST", GENERATIONS, json(200, imagesAnswer(RED)));

        CapabilityException failure = failure(provider(), job(Map.of("prompt", "fox", "n", "3")), Kind.UNAVAILABLE);

        assertEquals("the backend returned 1 image(s) where 3 were asked for", failure.getMessage());
    }

    @Test
    void answerLargerThanTheBoundIsNotRead() {
        backend.on("POST", GENERATIONS, json(200, imagesAnswer(RED)));

        CapabilityException failure = failure(provider("max-response-bytes", "500"), job(Map.of("prompt", "fox")),
                Kind.UNAVAILABLE);

        assertEquals("POST /v1/images/generations: the response is larger than 500 bytes (max-response-bytes)",
                failure.getMessage());
    }

    // --- slow and dead backends ---

    @Test
    void backendSlowerThanTheJobsDeadlineTimesOut() {
        backend.on("POST", GENERATIONS, backend.hang());
        CapabilityProvider provider = provider();

        CapabilityException failure = assertTimeoutPreemptively(HANG_GUARD,
                () -> failure(provider, job(Map.of("prompt", "fox"), Duration.ofMillis(400), () -> false), Kind.TIMEOUT));

        assertEquals("POST /v1/images/generations got no complete answer from the backend within the job's deadline",
                failure.getMessage());
    }

    @Test
    void backendStuckHalfwayThroughItsAnswerTimesOut() {
        backend.on("POST", GENERATIONS, backend.stallMidResponse());
        CapabilityProvider provider = provider();

        CapabilityException failure = assertTimeoutPreemptively(HANG_GUARD,
                () -> failure(provider, job(Map.of("prompt", "fox"), Duration.ofMillis(400), () -> false), Kind.TIMEOUT));

        assertEquals("POST /v1/images/generations got no complete answer from the backend within the job's deadline",
                failure.getMessage());
    }

    @Test
    void timeoutMsBoundsAJobWhoseDeadlineIsFarAway() {
        backend.on("POST", GENERATIONS, backend.hang());
        CapabilityProvider provider = provider("timeout-ms", "300");

        CapabilityException failure = assertTimeoutPreemptively(HANG_GUARD,
                () -> failure(provider, job(Map.of("prompt", "fox"), Duration.ofMinutes(5), () -> false), Kind.TIMEOUT));

        assertEquals("POST /v1/images/generations got no complete answer from the backend within timeout-ms (300 ms)",
                failure.getMessage());
    }

    @Test
    void cancelledJobStopsWaitingForTheBackend() {
        backend.on("POST", GENERATIONS, backend.hang());
        CapabilityProvider provider = provider();
        AtomicBoolean cancelled = new AtomicBoolean();
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            cancelled.set(true);
        });

        CapabilityException failure = assertTimeoutPreemptively(HANG_GUARD,
                () -> failure(provider, job(Map.of("prompt", "fox"), Duration.ofMinutes(5), cancelled::get), Kind.TIMEOUT));

        assertEquals("POST /v1/images/generations abandoned: nobody waits for the job any more", failure.getMessage());
    }

    @Test
    void backendThatDiesAfterTheProbeMakesJobsUnavailable() {
        CapabilityProvider provider = provider();
        assertTrue(provider.health().usable());
        backend.close();

        CapabilityException failure = failure(provider, job(Map.of("prompt", "fox")), Kind.UNAVAILABLE);

        assertEquals("POST /v1/images/generations: the backend refused the connection (is it running?)", failure.getMessage());
        assertFalse(provider.health().usable());
    }

    @Test
    void connectionClosedMidAnswerMakesTheJobUnavailable() {
        backend.on("POST", GENERATIONS, FakeBackend.closeMidResponse());

        CapabilityException failure = failure(provider(), job(Map.of("prompt", "fox")), Kind.UNAVAILABLE);

        // the rest is the JDK's wording, such as "fixed content-length: 10000, bytes received: 35"
        assertTrue(failure.getMessage().startsWith("POST /v1/images/generations: the connection to the backend failed: "),
                failure.getMessage());
    }

    // --- requests this backend cannot serve ---

    @Test
    void modelTheBackendDoesNotOfferIsUnprocessableAndNeverSent() {
        CapabilityException failure = failure(provider(), job(Map.of("prompt", "fox", "model", "midjourney")),
                Kind.UNPROCESSABLE);

        assertEquals("model 'midjourney' is not offered by this backend; it offers stablediffusion, dall-e-2",
                failure.getMessage());
        assertEquals(List.of(), backend.received("POST", GENERATIONS));
    }

    @Test
    void namedModelCannotBeCheckedWhileTheBackendIsDown() {
        CapabilityProvider provider = open(TestSupport.ready(factory, Map.of("base-url", FakeBackend.deadUrl())));

        CapabilityException failure = failure(provider, job(Map.of("prompt", "fox", "model", "dall-e-2")), Kind.UNAVAILABLE);

        assertTrue(failure.getMessage().startsWith("cannot run model 'dall-e-2': the backend's models are unknown (GET /v1/models: "),
                failure.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"steps, 20, steps", "seed, 42, seed"})
    void stepsAndSeedAreRefusedBecauseTheApiHasNone(String name, String value, String named) {
        CapabilityException failure = failure(provider(), job(Map.of("prompt", "fox", name, value)), Kind.UNPROCESSABLE);

        assertEquals("the OpenAI images API has no " + named + " parameter: leave it out, or send the job to an a1111 provider",
                failure.getMessage());
        assertEquals(List.of(), backend.received("POST", GENERATIONS));
    }

    @Test
    void invalidInputIsRefusedBeforeTheBackendIsAsked() {
        CapabilityProvider provider = provider("max-size", "1024x1024");

        failure(provider, job(Map.of("size", "512x512")), Kind.BAD_INPUT);
        failure(provider, job(Map.of("prompt", "fox", "size", "1792x1024")), Kind.TOO_LARGE);
        failure(provider, job(Map.of("prompt", "x".repeat(4001))), Kind.TOO_LARGE);

        assertEquals(List.of(), backend.received("POST", GENERATIONS));
    }

    @Test
    void anyWidthAndHeightWithinBoundsIsPassedOn() throws CapabilityException {
        backend.on("POST", GENERATIONS, json(200, imagesAnswer(RED)));

        provider().handle(job(Map.of("prompt", "fox", "size", "1001x999")));

        JsonNode sent = backend.only("POST", GENERATIONS).json();
        assertEquals("1001x999", sent.get("size").asText());
    }
}
