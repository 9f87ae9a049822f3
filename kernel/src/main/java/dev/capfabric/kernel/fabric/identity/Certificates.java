package dev.capfabric.kernel.fabric.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * A private certificate authority and the NATS server's certificate signed by it, made with the
 * {@code openssl} command (Debian package {@code openssl}): PEM files, EC P-256 keys.
 */
public final class Certificates {

    private final Path openssl;

    public Certificates(Path openssl) {
        this.openssl = requireNonNull(openssl, "openssl is null");
    }

    /** The {@code openssl} on the PATH. */
    public static Certificates fromPath() {
        for (String folder : System.getenv().getOrDefault("PATH", "/usr/bin").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(folder, "openssl");
            if (Files.isExecutable(candidate)) {
                return new Certificates(candidate);
            }
        }
        throw new IllegalStateException("'openssl' is not on the PATH (Debian package openssl); it makes the TLS certificates");
    }

    /**
     * Writes {@code ca.pem} and {@code ca-key.pem} (the CA), and {@code <name>-cert.pem} and
     * {@code <name>-key.pem} (a server certificate valid for {@code hosts}) into {@code dir}.
     *
     * @param hosts DNS names and IP addresses the server is reached by
     */
    public void caAndServer(Path dir, String name, List<String> hosts) throws IOException {
        Files.createDirectories(dir);
        run(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "3650", "-subj", "/CN=capfabric fabric CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        run(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", name + "-key.pem", "-out", name + ".csr", "-subj", "/CN=" + hosts.getFirst());
        List<String> names = new ArrayList<>();
        for (String host : hosts) {
            names.add((host.matches("[0-9.]+|.*:.*") ? "IP:" : "DNS:") + host);
        }
        Path extensions = dir.resolve(name + ".ext");
        Files.writeString(extensions, "subjectAltName=" + String.join(",", names) + "\n"
                + "extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n", StandardCharsets.UTF_8);
        run(dir, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
                "-out", name + "-cert.pem", "-days", "825", "-extfile", name + ".ext");
        Files.deleteIfExists(dir.resolve(name + ".csr"));
        Files.deleteIfExists(extensions);
        Files.deleteIfExists(dir.resolve("ca.srl"));
        Secrets.ownerOnly(dir.resolve("ca-key.pem"));
        Secrets.ownerOnly(dir.resolve(name + "-key.pem"));
    }

    private void run(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(openssl.toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("openssl " + args[0] + " failed: " + output.strip());
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running openssl", e);
        }
    }
}
