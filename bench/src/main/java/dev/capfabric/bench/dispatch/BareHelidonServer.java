package dev.capfabric.bench.dispatch;

import io.helidon.common.mapper.MapperManager;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The baseline: a bare Helidon handler on {@code POST /v1/capability/noop} that reads the body and
 * answers with the same bytes and headers the kernel sends for the no-op provider, without any of
 * the kernel's work. Run as its own JVM by {@link DispatchHttpBench}, with the kernel's JVM options.
 */
public final class BareHelidonServer {

    static final String ANSWER = "{\"text\":\"ok\"}";

    private static final HeaderName NODE = HeaderNames.create("X-Capfabric-Node");
    private static final HeaderName PROVIDER = HeaderNames.create("X-Capfabric-Provider");
    private static final HeaderName JOB_ID = HeaderNames.create("X-Capfabric-Job-Id");

    private BareHelidonServer() {
    }

    /**
     * {@code BareHelidonServer <port> [discard|exact]}; serves until killed. {@code discard} (the default, as in
     * every figure before session 7) reads the body with {@code transferTo} into a null stream, which allocates a
     * 16 KiB buffer per request; {@code exact} reads it into an array of its declared length, as the kernel does.
     */
    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(args[0]);
        boolean exact = args.length > 1 && args[1].equals("exact");
        byte[] answer = ANSWER.getBytes(StandardCharsets.UTF_8);
        // a job id of the kernel's length (a UUID), so both answers have the same size
        String jobId = "00000000-0000-0000-0000-000000000000";
        // as the kernel does (GlobalMappers): Helidon 4.4.0 builds a mapper manager per request otherwise,
        // and the comparison is about the kernel's own work, not that
        MapperManager mappers = MapperManager.global();
        if (mappers != MapperManager.global()) {
            MapperManager.global(mappers);
        }
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(port)
                .featuresDiscoverServices(false)
                .routing(routing -> routing.post("/v1/capability/noop", (request, response) -> {
                    try (InputStream body = request.content().inputStream()) {
                        if (exact) {
                            body.readNBytes((int) request.headers().contentLength().orElse(0));
                        } else {
                            body.transferTo(OutputStream.nullOutputStream());
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    response.header(NODE, "bench");
                    response.header(JOB_ID, jobId);
                    response.header(PROVIDER, "noop");
                    response.header(HeaderNames.CONTENT_TYPE, "application/json");
                    response.send(answer);
                }))
                .build()
                .start();
        System.out.println("bare Helidon serving on " + server.port());
        Thread.currentThread().join();
    }
}
