package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.config.InvalidSettingsException;
import io.nats.client.AuthHandler;
import io.nats.client.Nats;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;

/**
 * Reads a node's NATS credentials and trust from files: a credentials file holding a user JWT and
 * NKey seed ({@code nsc}'s {@code .creds}), or an NKey seed alone (what {@code capfabric nats-config}
 * writes, for NKey users in the server's configuration); a PEM file of CA certificates.
 */
final class Credentials {

    private Credentials() {
    }

    /** The handler that signs the server's nonce with the file's seed, sending the JWT when the file has one. */
    static AuthHandler handler(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidSettingsException("capfabric.nats.credentials: cannot read " + file + ": " + e.getMessage(), e);
        }
        if (text.contains("NATS USER JWT")) {
            return Nats.credentials(file.toString());
        }
        if (!text.contains("NKEY SEED") && !text.strip().startsWith("SU")) {
            throw new InvalidSettingsException("capfabric.nats.credentials: " + file + " holds neither a user JWT nor an NKey seed");
        }
        // jnats reads a seed-only file as the "nkey file" of a JWT-less handler
        return Nats.credentials(null, file.toString());
    }

    /** A TLS context that trusts the CA certificates of a PEM file (and only them). */
    static SSLContext trusting(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) {
                throw new InvalidSettingsException("capfabric.nats.tls.ca: " + pem + " holds no certificate");
            }
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (Certificate certificate : certificates) {
                trust.setCertificateEntry("ca-" + i++, certificate);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new InvalidSettingsException("capfabric.nats.tls.ca: cannot read " + pem + ": " + e.getMessage(), e);
        }
    }
}
