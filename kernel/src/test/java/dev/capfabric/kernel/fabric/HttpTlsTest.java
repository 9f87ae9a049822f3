package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.config.InvalidSettingsException;
import dev.capfabric.kernel.fabric.identity.Certificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP listener over TLS from PEM files, with a CA and certificate made in the test (openssl),
 * spoken to by Java's HTTP client and by curl.
 */
class HttpTlsTest {

    @TempDir
    static Path dir;

    static Path tls;
    static TestNode node;
    static String key;

    @BeforeAll
    static void start() throws Exception {
        tls = dir.resolve("tls");
        Certificates.fromPath().caAndServer(tls, "http", List.of("127.0.0.1", "localhost"));
        Path keys = dir.resolve("keys");
        key = ApiKeyRoutesTest.newKey(keys, "tls-reader", "read");
        node = TestNode.start(dir.resolve("n"), "tls-node", Map.of(
                "CAPFABRIC_HTTP_TLS_CERT", tls.resolve("http-cert.pem").toString(),
                "CAPFABRIC_HTTP_TLS_KEY", tls.resolve("http-key.pem").toString(),
                "CAPFABRIC_HTTP_KEYS__FILE", keys.toString()));
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    static HttpResponse<String> get(HttpClient client, String url, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void javasHttpClientTrustingTheCaIsServed() throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(Credentials.trusting(tls.resolve("ca.pem")))
                .connectTimeout(Duration.ofSeconds(5)).build();
        for (String host : List.of("127.0.0.1", "localhost")) {
            String url = "https://" + host + ":" + node.kernel.port() + "/caps";
            HttpResponse<String> served = get(client, url, "Authorization", "Bearer " + key);
            assertEquals(200, served.statusCode(), served.body());
            assertEquals("tls-node", TestNode.json(served.body()).get("node_id").asText());
            assertEquals(401, get(client, url).statusCode(), "keys are still needed over TLS");
        }
        assertEquals(200, get(client, "https://127.0.0.1:" + node.kernel.port() + "/health/live").statusCode());
    }

    @Test
    void clientsThatDoNotTrustTheCaOrSpeakPlainHttpAreNotServed() {
        HttpClient untrusting = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        assertThrows(SSLHandshakeException.class, () -> get(untrusting, "https://127.0.0.1:" + node.kernel.port() + "/health/live"));
        assertThrows(IOException.class, () -> get(untrusting, "http://127.0.0.1:" + node.kernel.port() + "/health/live"));
    }

    @Test
    void curlWithTheCaIsServedAndWithoutItRefuses() throws Exception {
        String url = "https://localhost:" + node.kernel.port() + "/caps";
        Curl trusted = curl("--cacert", tls.resolve("ca.pem").toString(), "-H", "X-Api-Key: " + key, url);
        assertEquals(0, trusted.exit(), trusted.output());
        assertTrue(trusted.output().endsWith("200"), trusted.output());
        assertTrue(trusted.output().contains("\"node_id\":\"tls-node\""), trusted.output());
        Curl untrusted = curl(url);
        assertEquals(60, untrusted.exit(), "curl: peer certificate cannot be authenticated; " + untrusted.output());
    }

    record Curl(int exit, String output) {
    }

    static Curl curl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "-w", "%{http_code}"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Curl(process.waitFor(), output.strip());
    }

    @Test
    void halfOrBrokenTlsSettingsStopStartUp() throws Exception {
        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
        List<Map<String, String>> broken = List.of(
                Map.of("CAPFABRIC_HTTP_TLS_CERT", tls.resolve("http-cert.pem").toString()),
                Map.of("CAPFABRIC_HTTP_TLS_KEY", tls.resolve("http-key.pem").toString()),
                Map.of("CAPFABRIC_HTTP_TLS_CERT", tls.resolve("http-cert.pem").toString(), "CAPFABRIC_HTTP_TLS_KEY", garbage.toString()),
                Map.of("CAPFABRIC_HTTP_TLS_CERT", garbage.toString(), "CAPFABRIC_HTTP_TLS_KEY", tls.resolve("http-key.pem").toString()),
                Map.of("CAPFABRIC_HTTP_TLS_CERT", dir.resolve("missing.pem").toString(), "CAPFABRIC_HTTP_TLS_KEY",
                        tls.resolve("http-key.pem").toString()));
        int i = 0;
        for (Map<String, String> env : broken) {
            Path home = dir.resolve("broken-" + i++);
            InvalidSettingsException refused = assertThrows(InvalidSettingsException.class, () -> TestNode.start(home, "broken", env),
                    env.toString());
            assertTrue(refused.getMessage().contains("capfabric.http.tls"), refused.getMessage());
        }
    }
}
