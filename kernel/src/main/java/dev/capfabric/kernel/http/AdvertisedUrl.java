package dev.capfabric.kernel.http;

import dev.capfabric.kernel.config.InvalidSettingsException;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * The URL at which other nodes and operators reach this node's HTTP API, shown in every node record
 * ({@code /caps}, {@code /v1/nodes}, {@code /v1/capabilities}): {@code capfabric.advertised-url}
 * ({@code CAPFABRIC_ADVERTISED_URL}) when set, for a node behind NAT, a proxy or a DNS name; else
 * {@code http://<bound host>:<port>} ({@code https} with TLS), the machine's host name standing in for a
 * wildcard address.
 */
public final class AdvertisedUrl {

    private AdvertisedUrl() {
    }

    /**
     * Checks a configured URL: an absolute http or https URL with a host.
     *
     * @throws InvalidSettingsException when it is not one
     */
    public static Optional<String> configured(Optional<String> value) {
        Optional<String> given = value.map(String::strip).filter(s -> !s.isEmpty());
        if (given.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(given.get());
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new InvalidSettingsException("capfabric.advertised-url must be an http or https URL with a host, not '" + given.get() + "'");
            }
        } catch (URISyntaxException e) {
            throw new InvalidSettingsException("capfabric.advertised-url is not a URL: '" + given.get() + "'");
        }
        String url = given.get();
        return Optional.of(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    }

    /** The configured URL, else one built from the scheme ({@code http}, {@code https}), the address the server bound and its port. */
    public static String of(Optional<String> configured, String scheme, String bindHost, int port) {
        if (configured.isPresent()) {
            return configured.get();
        }
        String host = bindHost.strip();
        if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            host = machineName();
        }
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return scheme + "://" + host + ":" + port;
    }

    private static String machineName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return Optional.ofNullable(System.getenv("HOSTNAME")).filter(s -> !s.isBlank()).orElse("localhost");
        }
    }
}
