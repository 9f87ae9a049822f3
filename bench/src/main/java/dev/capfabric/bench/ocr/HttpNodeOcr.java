package dev.capfabric.bench.ocr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A capfabric node's {@code POST /v1/capability/ocr}, pinned to its {@code tesseract} provider: the
 * in-process engine as a client over HTTP sees it. Its CPU time is the node's, not measured here.
 */
final class HttpNodeOcr implements OcrEngine {

    private final URI endpoint;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ObjectMapper json = new ObjectMapper();

    HttpNodeOcr(URI node) {
        this.endpoint = node.resolve("/v1/capability/ocr?provider=tesseract");
    }

    @Override
    public String name() {
        return "capfabric node over HTTP";
    }

    @Override
    public String version() {
        return "POST " + endpoint;
    }

    @Override
    public Reading read(SamplePage page) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(Duration.ofMinutes(1))
                .header("Content-Type", page.mediaType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(page.encoded()))
                .build();
        long start = System.nanoTime();
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        long wall = System.nanoTime() - start;
        JsonNode body = json.readTree(response.body());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("the node answered " + response.statusCode() + ": " + body);
        }
        return new Reading(body.path("text").asText(), wall, -1);
    }

    @Override
    public void close() {
        http.close();
    }
}
