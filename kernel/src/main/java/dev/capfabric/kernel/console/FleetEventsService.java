package dev.capfabric.kernel.console;

import dev.capfabric.kernel.fabric.FabricView;
import dev.capfabric.kernel.http.ApiError;
import dev.capfabric.kernel.http.Json;
import dev.capfabric.kernel.http.StandardMethods;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Under {@code /v1/nodes} (the {@code read} scope once API keys exist):
 * <ul>
 *     <li>{@code GET /v1/nodes/events}: server-sent events, one {@code fleet} event (a {@link FleetSnapshot}
 *     as JSON) when the fleet as this node sees it changed, at most one per
 *     {@code capfabric.console.events-interval-ms}; a comment line when quiet for
 *     {@code keep-alive-ms}. At most {@code max-watchers} streams at once: one more is answered
 *     503 {@code busy} with {@code Retry-After}. {@code HEAD} answers the headers only;</li>
 *     <li>{@code GET /v1/nodes/<id>/caps}: that node's {@code /caps} as this node last heard it
 *     (404 {@code not_found} for a node it never heard), so a page served by one node shows any node.</li>
 * </ul>
 */
public final class FleetEventsService implements HttpService {

    private final FleetFeed feed;
    private final FabricView view;
    private final Duration keepAlive;

    public FleetEventsService(FleetFeed feed, FabricView view, Duration keepAlive) {
        this.feed = requireNonNull(feed, "feed is null");
        this.view = requireNonNull(view, "view is null");
        this.keepAlive = requireNonNull(keepAlive, "keepAlive is null");
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/events", this::events)
                .get("/{node}/caps", this::caps);
    }

    private void caps(ServerRequest request, ServerResponse response) {
        String node = request.path().pathParameters().get("node");
        view.caps(node).ifPresentOrElse(
                caps -> Json.send(request, response, Status.OK_200, caps),
                () -> ApiError.of("not_found", "node '" + node + "' is not known to this node").send(response, 404));
    }

    private void events(ServerRequest request, ServerResponse response) {
        if (StandardMethods.isHead(request)) {
            response.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
            response.send();
            return;
        }
        Optional<FleetFeed.Subscription> subscribed = feed.subscribe();
        if (subscribed.isEmpty()) {
            response.header(HeaderNames.RETRY_AFTER, "5");
            ApiError.of("busy", "this node already streams the fleet to " + feed.maxSubscribers()
                    + " watchers (capfabric.console.max-watchers): try again later or watch another node").send(response, 503);
            return;
        }
        response.header(HeaderNames.CACHE_CONTROL, "no-store");
        // proxies that buffer (nginx) would hold events back
        response.header(HeaderNames.create("X-Accel-Buffering"), "no");
        try (FleetFeed.Subscription subscription = subscribed.get(); SseSink sink = response.sink(SseSink.TYPE)) {
            for (;;) {
                Optional<String> json = subscription.next(keepAlive);
                if (json.isPresent()) {
                    sink.emit(SseEvent.builder().name("fleet").data(json.get()).build());
                } else {
                    sink.emit(SseEvent.builder().comment("quiet").build());
                }
            }
        } catch (FleetFeed.FeedClosedException | UncheckedIOException e) {
            // the node stops, or the watcher went away: the stream ends
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
