package dev.capfabric.kernel.http;

import dev.capfabric.kernel.dispatch.CancellationFlag;
import dev.capfabric.kernel.dispatch.JobEvents;
import dev.capfabric.spi.Result;
import io.helidon.http.HeaderNames;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;

import java.nio.charset.StandardCharsets;

import static java.util.Objects.requireNonNull;

/**
 * A job's events as a {@code text/event-stream} answer (Helidon's {@link SseSink}): progress and
 * partial results while it runs, then one {@code result} or {@code error} event, then the end of the
 * stream. A client that is gone when an event is written cancels the job: nobody reads its result.
 * Thread-safe: the provider's thread writes its events while the request's thread waits for the outcome.
 */
public final class JobEventStream implements JobEvents, AutoCloseable {

    /** The media type that asks for events instead of one answer. */
    public static final String MEDIA_TYPE = "text/event-stream";

    private final SseSink sink;
    private final Runnable onGone;
    private int partials;
    private boolean gone;
    private boolean closed;

    private JobEventStream(SseSink sink, Runnable onGone) {
        this.sink = sink;
        this.onGone = onGone;
    }

    /** Whether the request's {@code Accept} header asks for server-sent events. */
    public static boolean wanted(io.helidon.webserver.http.ServerRequest request) {
        return request.headers().first(HeaderNames.ACCEPT)
                .map(accept -> accept.toLowerCase(java.util.Locale.ROOT).contains(MEDIA_TYPE)).orElse(false);
    }

    /** Starts the answer (200, {@code text/event-stream}); {@code onGone} runs once if the client leaves. */
    public static JobEventStream open(ServerResponse response, Runnable onGone) {
        requireNonNull(onGone, "onGone is null");
        response.header(HeaderNames.CACHE_CONTROL, "no-cache");
        return new JobEventStream(response.sink(SseSink.TYPE), onGone);
    }

    /** A stream that follows a job run on this node: its flag hands over the provider's events. */
    public static JobEventStream following(ServerResponse response, CancellationFlag flag) {
        JobEventStream stream = open(response, flag::cancel);
        flag.follow(stream);
        return stream;
    }

    @Override
    public void progress(double fraction, String message) {
        emit(new JobEvent.Progress(fraction, message));
    }

    @Override
    public void partial(Result piece) {
        synchronized (this) {
            emit(JobEvent.Partial.of(partials++, piece));
        }
    }

    @Override
    public void dropped(int count) {
        emit(new JobEvent.Dropped(count));
    }

    /** Writes one event; the last one ends the stream. Returns false once the client is gone. */
    public boolean emit(JobEvent event) {
        return emitRaw(event.name(), new String(Json.bytes(event), StandardCharsets.UTF_8), event.last());
    }

    /** Writes raw JSON under an event name, for events relayed from another node as they came. */
    public synchronized boolean emitRaw(String name, String json, boolean last) {
        if (gone || closed) {
            return !gone;
        }
        try {
            sink.emit(SseEvent.builder().name(name).data(json).build());
        } catch (RuntimeException e) {
            // a closed socket: Helidon throws UncheckedIOException (or its own wrapper) from the write
            gone = true;
            onGone.run();
            return false;
        }
        if (last) {
            close();
        }
        return true;
    }

    /** Whether the client went away. */
    public synchronized boolean clientGone() {
        return gone;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            try {
                sink.close();
            } catch (RuntimeException e) {
                gone = true;
            }
        }
    }
}
