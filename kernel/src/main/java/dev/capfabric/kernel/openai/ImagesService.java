package dev.capfabric.kernel.openai;

import dev.capfabric.kernel.dispatch.Outcome;
import dev.capfabric.kernel.http.Json;
import dev.capfabric.kernel.http.RequestBodies;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Payload;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * {@code POST /v1/images/generations} in OpenAI's shape, run as an {@code image} job, and
 * {@code GET /v1/images/files/<name>}, which serves the images of {@code response_format: url} answers
 * for {@code capfabric.openai.image-url-ttl-s} seconds. {@code quality} and {@code style} are passed to
 * the provider as job parameters; {@code revised_prompt} is the prompt as sent (no provider revises it).
 */
final class ImagesService implements HttpService {

    static final Capability IMAGE = Capability.of("image");
    private static final Pattern SIZE = Pattern.compile("[1-9][0-9]{1,4}x[1-9][0-9]{1,4}");
    private static final int MAX_PROMPT_CHARS = 32_000;

    private final FrontDoorJobs jobs;
    private final ImageStore store;
    private final Optional<String> publicUrl;
    private final Clock clock;

    ImagesService(FrontDoorJobs jobs, ImageStore store, Optional<String> publicUrl, Clock clock) {
        this.jobs = requireNonNull(jobs, "jobs is null");
        this.store = requireNonNull(store, "store is null");
        this.publicUrl = requireNonNull(publicUrl, "publicUrl is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/generations", (request, response) -> FrontDoor.answer(response, () -> generate(request, response)))
                .get("/files/{name}", (request, response) -> FrontDoor.answer(response, () -> file(request, response)));
    }

    private void generate(ServerRequest request, ServerResponse response) {
        try (RequestBodies.Body body = jobs.body(request, IMAGE)) {
            generate(request, response, JsonFields.of(body.bytes()));
        }
    }

    /**
     * OpenAI's answer.
     *
     * @param created when, in seconds since the epoch
     * @param data    one per image
     */
    record Answer(long created, List<Image> data) {

        /**
         * This answer as JSON, written as bytes: the PNGs base64-encoded by the JDK straight into the
         * answer, text quoted by {@link Json#quoted}. Through the databind (serialiser look-ups,
         * record accessors called reflectively) it cost a fifth of the route's time for a no-op job, and
         * a streaming generator still a sixth (making the generator, its buffers and checks per call):
         * docs/BENCHMARKS.md, "OpenAI-compatible front door".
         */
        // the answer's fixed parts, encoded once: per answer only the values are
        private static final byte[] CREATED = ascii("{\"created\":");
        private static final byte[] DATA = ascii(",\"data\":[");
        private static final byte[] URL = ascii("{\"url\":");
        private static final byte[] OPEN = ascii("{");
        private static final byte[] CLOSE = ascii("}");
        private static final byte[] COMMA = ascii(",");
        private static final byte[] QUOTE_COMMA = ascii("\",");
        private static final byte[] B64_JSON = ascii("\"b64_json\":\"");
        private static final byte[] REVISED_PROMPT = ascii("\"revised_prompt\":");
        private static final byte[] END = ascii("]}");

        byte[] json() {
            // every part encoded first, then copied once into an array of the answer's exact size
            List<byte[]> parts = new ArrayList<>(4 + 8 * data.size());
            parts.add(CREATED);
            parts.add(ascii(Long.toString(created)));
            parts.add(DATA);
            for (int i = 0; i < data.size(); i++) {
                Image image = data.get(i);
                if (i > 0) {
                    parts.add(COMMA);
                }
                if (image.url() != null) {
                    parts.add(URL);
                    parts.add(Json.quoted(image.url()));
                    parts.add(COMMA);
                } else {
                    parts.add(OPEN);
                }
                if (image.b64Json() != null) {
                    parts.add(B64_JSON);
                    parts.add(Base64.getEncoder().encode(image.b64Json())); // standard base64, no line breaks
                    parts.add(QUOTE_COMMA);
                }
                parts.add(REVISED_PROMPT);
                parts.add(Json.quoted(image.revisedPrompt()));
                parts.add(CLOSE);
            }
            parts.add(END);
            int size = 0;
            for (byte[] part : parts) {
                size += part.length;
            }
            byte[] json = new byte[size];
            int at = 0;
            for (byte[] part : parts) {
                System.arraycopy(part, 0, json, at, part.length);
                at += part.length;
            }
            return json;
        }

        private static byte[] ascii(String text) {
            return text.getBytes(StandardCharsets.US_ASCII);
        }
    }

    record Image(String url, byte[] b64Json, String revisedPrompt) {
    }

    private void generate(ServerRequest request, ServerResponse response, JsonFields body) {
        String prompt = body.requiredText("prompt");
        if (prompt.length() > MAX_PROMPT_CHARS) {
            throw OpenAiError.invalid("prompt is longer than " + MAX_PROMPT_CHARS + " characters", "prompt", "string_above_max_length");
        }
        Optional<String> modelName = body.text("model");
        FleetModel model = jobs.model(modelName, IMAGE, "/v1/images/generations");
        // OpenAI's default: url for the DALL·E models, b64_json for the others
        String format = body.text("response_format")
                .orElse(modelName.filter(m -> m.startsWith("dall-e")).isPresent() ? "url" : "b64_json");
        if (!format.equals("url") && !format.equals("b64_json")) {
            throw OpenAiError.invalid("response_format must be 'url' or 'b64_json'", "response_format", "invalid_value");
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("prompt", prompt);
        Optional<String> n = body.number("n", N_RANGE);
        if (n.isPresent()) {
            parameters.put("n", String.valueOf(imageCount(n.get())));
        }
        Optional<String> size = body.text("size").filter(s -> !s.equals("auto"));
        if (size.isPresent() && !SIZE.matcher(size.get()).matches()) {
            throw OpenAiError.invalid("size must be 'auto' or WIDTHxHEIGHT such as 1024x1024", "size", "invalid_value");
        }
        size.ifPresent(s -> parameters.put("size", s));
        body.text("quality").ifPresent(q -> parameters.put("quality", q));
        body.text("style").ifPresent(s -> parameters.put("style", s));
        Outcome.Served served = jobs.run(request, response, model, parameters, Payload.empty());

        List<byte[]> images = images(served);
        List<Image> data = new ArrayList<>(images.size());
        for (byte[] png : images) {
            data.add(format.equals("url")
                    ? new Image(baseUrl(request) + "/v1/images/files/" + store.put(png, "image/png"), null, prompt)
                    : new Image(null, png, prompt));
        }
        response.status(Status.OK_200);
        response.header(HeaderValues.CONTENT_TYPE_JSON);
        response.send(new Answer(clock.instant().getEpochSecond(), data).json());
    }

    private static final String N_RANGE = "a whole number from 1 to 10";

    private static int imageCount(String n) {
        try {
            int count = new java.math.BigDecimal(n).intValueExact();
            if (count >= 1 && count <= 10) {
                return count;
            }
        } catch (ArithmeticException | NumberFormatException e) {
            // not whole, or far out of range: refused below
        }
        throw OpenAiError.invalid("n must be " + N_RANGE, "n", "invalid_value");
    }

    /** The PNGs of a result: its output for one image, {@code images[].b64_png} for several. */
    private static List<byte[]> images(Outcome.Served served) {
        if (served.result().output().isPresent()) {
            return List.of(served.result().output().get().bytes());
        }
        List<byte[]> images = new ArrayList<>();
        if (served.result().metadata().get("images") instanceof List<?> list) {
            for (Object item : list) {
                if (item instanceof Map<?, ?> image && image.get("b64_png") instanceof String b64) {
                    images.add(Base64.getDecoder().decode(b64));
                }
            }
        }
        if (images.isEmpty()) {
            throw new OpenAiError.Failure(502, "the provider " + served.provider() + " answered no image", null, "bad_provider_answer");
        }
        return images;
    }

    private String baseUrl(ServerRequest request) {
        if (publicUrl.isPresent()) {
            String url = publicUrl.get();
            return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        }
        String host = request.headers().first(HeaderNames.HOST).orElse(request.localPeer().host() + ":" + request.localPeer().port());
        return (request.isSecure() ? "https://" : "http://") + host;
    }

    private void file(ServerRequest request, ServerResponse response) {
        String name = request.path().pathParameters().get("name");
        Map.Entry<String, byte[]> image = store.get(name).orElseThrow(() -> new OpenAiError.Failure(404,
                "no image '" + name + "' here: image URLs answer for " + store.ttl().toSeconds() + " s after they are made",
                null, "not_found"));
        response.header(HeaderNames.CONTENT_TYPE, image.getKey());
        response.header(HeaderNames.CACHE_CONTROL, "private, max-age=" + store.ttl().toSeconds());
        response.send(image.getValue());
    }
}
