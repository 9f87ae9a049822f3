package dev.capfabric.kernel.openai;

import dev.capfabric.kernel.dispatch.Dispatcher;
import dev.capfabric.kernel.fabric.FabricView;
import dev.capfabric.kernel.http.JobRunner;
import dev.capfabric.kernel.http.RefusalShapes;
import dev.capfabric.kernel.http.RequestBodies;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;

import static java.util.Objects.requireNonNull;

/**
 * The OpenAI-compatible front door: {@code /v1/models}, {@code /v1/audio/*},
 * {@code /v1/images/generations} (OpenAI's shapes) and {@code /v1/ocr} (Mistral's), every request a
 * job on the node's one {@link JobRunner}, every error in OpenAI's shape ({@link OpenAiError}).
 * Authentication is not done here: whatever checks the node's other routes checks these, its refusals
 * written in OpenAI's shape by {@link #REFUSALS}.
 */
public final class FrontDoor {

    private final ModelsService models;
    private final AudioService audio;
    private final ImagesService images;
    private final OcrService ocr;

    /**
     * @param view   the fabric as this node sees it, for the models every node serves
     * @param runner the node's job runner, shared with {@code POST /v1/capability/<cap>}
     * @param bodies the HTTP edge's body reader, shared with {@code POST /v1/capability/<cap>}
     */
    public FrontDoor(String nodeId, Dispatcher dispatcher, JobRunner runner, RequestBodies bodies, FabricView view,
                     OpenAiSettings settings, Clock clock) {
        requireNonNull(settings, "settings is null");
        ModelCatalog catalog = new ModelCatalog(view, settings.aliases(), clock);
        FrontDoorJobs jobs = new FrontDoorJobs(nodeId, dispatcher, runner, catalog, bodies);
        AudioCodec codec = new AudioCodec(settings.ffmpeg(), 30 * 60);
        this.models = new ModelsService(catalog, clock.instant().getEpochSecond());
        this.audio = new AudioService(jobs, codec, settings.voices());
        this.images = new ImagesService(jobs, new ImageStore(clock, settings.imageUrlTtl(), settings.imageStoreMaxBytes()),
                settings.publicUrl(), clock);
        this.ocr = new OcrService(jobs);
    }

    /** Adds the routes. */
    public void register(HttpRouting.Builder routing) {
        routing.register("/v1/models", models)
                .register("/v1/audio", audio)
                .register("/v1/images", images)
                .register("/v1/ocr", ocr);
    }

    /**
     * The key check's refusals on the front door's routes, in OpenAI's shape, so that OpenAI's SDKs raise
     * their own classes ({@code AuthenticationError}, {@code PermissionDeniedError}, {@code RateLimitError}).
     */
    public static final RefusalShapes REFUSALS = (path, response, refusal) -> {
        if (!serves(path)) {
            return false;
        }
        String code = switch (refusal.reason()) {
            case "missing" -> "missing_api_key";
            case "unknown" -> "invalid_api_key";
            case "limited" -> "rate_limit_exceeded";
            default -> "insufficient_permissions";
        };
        OpenAiError.send(response, new OpenAiError.Failure(refusal.status(), refusal.message(), null, code));
        return true;
    };

    /** Whether {@code path} is one of the front door's routes (the image files it serves included). */
    static boolean serves(String path) {
        return under(path, "/v1/models") || under(path, "/v1/audio") || under(path, "/v1/images") || under(path, "/v1/ocr");
    }

    private static boolean under(String path, String prefix) {
        return path.startsWith(prefix) && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/');
    }

    /** Runs a route's work, answering an {@link OpenAiError.Failure} in OpenAI's shape. */
    static void answer(ServerResponse response, Runnable work) {
        try {
            work.run();
        } catch (OpenAiError.Failure failure) {
            if (response.isSent()) {
                throw new UncheckedIOException(new IOException("failed after the answer began: " + failure.getMessage()));
            }
            OpenAiError.send(response, failure);
        }
    }
}
