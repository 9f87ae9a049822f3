package dev.capfabric.kernel.http;

import dev.capfabric.kernel.config.InvalidSettingsException;
import io.helidon.common.configurable.Resource;
import io.helidon.common.pki.Keys;
import io.helidon.common.tls.Tls;
import io.helidon.config.Config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * TLS for the HTTP listener, from {@code capfabric.http.tls}: {@code cert} (the PEM certificate
 * chain, the node's own first) and {@code key} (its PEM private key, PKCS#8). Both or neither; with
 * them the node serves HTTPS only, on the same port.
 */
public final class HttpTls {

    private HttpTls() {
    }

    /**
     * The listener's TLS, or empty when none is configured.
     *
     * @throws InvalidSettingsException when only one file is named, a file cannot be read or holds no usable key or certificate
     */
    public static Optional<Tls> of(Config tls) {
        Optional<Path> cert = path(tls, "cert");
        Optional<Path> key = path(tls, "key");
        if (cert.isEmpty() && key.isEmpty()) {
            return Optional.empty();
        }
        if (cert.isEmpty() || key.isEmpty()) {
            throw new InvalidSettingsException("capfabric.http.tls.cert and capfabric.http.tls.key go together (PEM files)");
        }
        for (Path file : new Path[]{cert.get(), key.get()}) {
            if (!Files.isReadable(file)) {
                throw new InvalidSettingsException("capfabric.http.tls names " + file.toAbsolutePath() + ", which is not a readable file");
            }
        }
        Keys keys;
        try {
            keys = Keys.builder()
                    .pem(pem -> pem.key(Resource.create(key.get())).certChain(Resource.create(cert.get())))
                    .build();
        } catch (RuntimeException e) {
            throw new InvalidSettingsException("capfabric.http.tls: cannot read the key or certificate: " + e.getMessage(), e);
        }
        if (keys.privateKey().isEmpty() || keys.certChain().isEmpty()) {
            throw new InvalidSettingsException("capfabric.http.tls: " + key.get() + " holds no private key or " + cert.get()
                    + " no certificate (PEM, the key in PKCS#8: 'BEGIN PRIVATE KEY')");
        }
        return Optional.of(Tls.builder()
                .privateKey(keys.privateKey().get())
                .privateKeyCertChain(keys.certChain())
                .build());
    }

    private static Optional<Path> path(Config tls, String key) {
        return tls.get(key).asString().map(String::strip).filter(s -> !s.isEmpty()).map(value -> Path.of(value).toAbsolutePath());
    }
}
