package dev.capfabric.kernel.config;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Maps environment variables onto configuration keys, so every key of {@code capfabric.yaml} can be
 * overridden from the environment.
 *
 * <p>The documented names map exactly ({@link #NAMED}). Any other {@code CAPFABRIC_...} name maps by
 * rule: drop nothing, lowercase, {@code __} becomes {@code -}, {@code _} becomes {@code .}; so
 * {@code CAPFABRIC_FABRIC_HEARTBEAT__INTERVAL__MS} sets {@code capfabric.fabric.heartbeat-interval-ms}.
 * Provider settings ({@code CAPFABRIC_PROVIDERS_<ID>_<KEY>}) are resolved against the provider id
 * when the provider is created, because an id may itself contain '-' (see {@link ProviderSettings}).
 */
public final class EnvironmentOverrides {

    static final String PREFIX = "CAPFABRIC_";

    /** The environment names that are part of the interface, and the keys they set. */
    static final Map<String, String> NAMED = Map.of(
            "CAPFABRIC_NODE_ID", "capfabric.node.id",
            "CAPFABRIC_PORT", "capfabric.port",
            "CAPFABRIC_HOST", "capfabric.host",
            "CAPFABRIC_ADVERTISED_URL", "capfabric.advertised-url",
            "CAPFABRIC_CORS_ALLOWED_ORIGINS", "capfabric.cors.allowed-origins",
            "CAPFABRIC_PLUGINS_DIR", "capfabric.plugins.dir",
            "CAPFABRIC_WORK_DIR", "capfabric.work-dir",
            "CAPFABRIC_NATS_URL", "capfabric.nats.url",
            "CAPFABRIC_SCAN_PATHS", "capfabric.scan-paths");

    private EnvironmentOverrides() {
    }

    /** The configuration keys and values the given environment sets; provider settings are left out. */
    public static Map<String, String> keys(Map<String, String> environment) {
        Map<String, String> keys = new TreeMap<>();
        environment.forEach((name, value) -> {
            if (!name.startsWith(PREFIX) || name.equals("CAPFABRIC_CONFIG") || name.startsWith("CAPFABRIC_PROVIDERS_")) {
                return;
            }
            String key = NAMED.get(name);
            keys.put(key != null ? key : byRule(name), value);
        });
        return keys;
    }

    static String byRule(String name) {
        return name.toLowerCase(Locale.ROOT).replace("__", "-").replace('_', '.');
    }

    /** The environment name prefix for one provider's settings: {@code espeak-ng} gives {@code CAPFABRIC_PROVIDERS_ESPEAK_NG_}. */
    static String providerPrefix(String providerId) {
        return "CAPFABRIC_PROVIDERS_" + providerId.toUpperCase(Locale.ROOT).replace('-', '_') + "_";
    }
}
